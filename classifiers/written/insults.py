"""Insults aimed at readers or the author, written as training examples: the corpora know few of the words used.

The corpora's insults are mostly "idiot", "moron" and obscenity, so put-downs in other words ("You great
oaf.", "The author is a grifter selling outrage by the paragraph.", "Did your mum write this for you?") were
published. insults.tsv holds 299 insults with a wide vocabulary (British, Irish, Australian, Indian and
American) and sneering put-downs, 362 civil sentences and replies that share their words ("The drongo is a
small black bird found across Africa and Asia.", "I respectfully disagree, the policy worked well in
Scotland."), and 313 civil replies that disagree with a reader or the author to their face ("Fair enough on
the delays, but you're wrong that nothing's been built. Phase one opened in March."), so that "you" and
"your argument" alone are no sign of an attack. Helpers who never saw the validation sets wrote all but 97
civil rows, which were added because the insults used some words far more often than the civil rows did
("columnist", "reporter", "you're"). They are measured on classifiers/heldout/attacks.txt and
disagreement.txt, written apart and never trained on; rows close to any of those were removed
(tests/test_evaluate.py checks that no validation sentence is trained on).
"""
from pathlib import Path

from classifiers.corpora import read_written

# Weight of each written example against a corpus row. Before the civil replies joined, 1.0 sent 93% of the
# written insults to review or reject (0.5: 89%; none: 77.5%) and 12.5% of the civil disagreeing replies to
# review (0.5: 12.5%; none: 8.1%); with the replies, 92.5% and 4.4%.
WEIGHT = 1.0
SENTENCES = Path(__file__).with_name("insults.tsv")


def training_examples():
    """(text, abuse, personal attack) triples from insults.tsv."""
    return read_written(SENTENCES)
