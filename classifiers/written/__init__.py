"""Written training examples for what the corpora hold too little of: threats, hate, insults, criticism."""
