"""The comment thread as readers see it: which comments, in what order, and the author's own edits and deletions."""
