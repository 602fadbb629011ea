"""Issue 17's rules around the abuse models: profanity at nobody, insults at public figures, hate at groups and its
negated or reported scope, contempt for things, spelling read back, the Stormfront corpus's split by post, and the
profanity house rule readers see."""
from pathlib import Path

import pytest

from classifiers import corpora, training
from classifiers.rules import profanity, public_figures, scope, things
from classifiers.spelling import Respeller
from classifiers.thresholds import decision

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "corpora"
TH = {rule: {"review": 0.3, "reject": 0.8} for rule in ("not_english", "not_sentences", "abuse", "personal_attack")}


@pytest.fixture
def small_bundle(trained_bundle):
    """The suite's test version (trained on 1,500 rows per corpus, seed 0), trained once per run (conftest)."""
    return trained_bundle


def test_swearing_is_told_from_swearing_at_someone_and_from_ordinary_words():
    assert profanity.swears("Fucking hell, what a day.") and profanity.strong("Holy shit, it opened.")
    assert profanity.swears("Damn, I missed the bus.") and not profanity.strong("Damn, I missed the bus.")
    assert not any(map(profanity.swears, ("Hello Arsenal fans.", "Fukushima was hit.", "Scunthorpe won.")))
    assert profanity.aimed("Fuck you, what a day.") and profanity.aimed("Piss off.")
    assert not profanity.aimed("This fucking rain.") and not profanity.aimed("So fucking proud of you all.")
    assert profanity.names_identity("Fuck all the Muslims.") and not profanity.names_identity("Fuck this rain.")


def test_the_setting_decides_only_comments_the_abuse_rules_alone_flag():
    swore = {"not_english": 0.0, "not_sentences": 0.0, "abuse": 0.95, "personal_attack": 0.5}
    assert [decision(swore, TH, s) for s in ("allow", "review", "reject")] == ["publish", "review", "reject"]
    assert decision({**swore, "not_english": 0.9}, TH, "allow") == "reject"
    assert decision(swore, TH) == "reject"


def test_an_insult_at_a_public_figure_is_abuse_in_the_review_band_not_a_personal_attack():
    assert public_figures.about_public_figure("The mayor is a liar and a crook.")
    assert not public_figures.about_public_figure("You are a liar and a crook, like the mayor.")
    assert not public_figures.about_public_figure("@Karen the senator is right.")
    assert not public_figures.about_public_figure("The author is a liar.")
    abuse, attack = public_figures.rescored("The mayor is a liar and a crook.", 0.99, 0.99, TH)
    assert TH["abuse"]["review"] <= abuse < TH["abuse"]["reject"] and attack < TH["personal_attack"]["review"]
    abuse, _ = public_figures.rescored("Someone should shoot the mayor.", 0.99, 0.99, TH)
    assert abuse >= TH["abuse"]["reject"]  # a threat stays severe


def test_stormfront_sentences_of_one_post_share_a_split_and_carry_no_attack_label():
    rows = list(corpora.read_stormfront(DATA_DIR, None))
    assert len(rows) > 9000 and {ex.abuse for ex in rows} == {0, 1} and {ex.personal_attack for ex in rows} == {None}
    by_post = {}
    for ex in rows:
        by_post.setdefault(ex.key, set()).add(training.split_of(ex.split_key, 0))
    assert all(len(splits) == 1 for splits in by_post.values())


def test_readers_see_the_sites_profanity_rule_and_an_admin_command_changes_it(client, runner, make_story):
    slug = make_story()
    assert "Swearing that attacks nobody waits for a moderator" in client.get(f"/stories/{slug}").get_data(as_text=True)
    result = runner.invoke(args=["profanity", "allow"])
    assert result.exit_code == 0 and result.output.startswith("allow")
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert "Swearing that attacks nobody is allowed." in page and "waits for a moderator" not in page
    assert runner.invoke(args=["profanity", "sometimes"]).exit_code != 0


def test_a_group_beside_a_hostile_word_is_hate_unless_negated_or_reported_to_condemn_it():
    assert scope.read("I hate women.")[0] and scope.read("Refugees are nothing but animals.")[0]
    assert scope.read("I don't want any more pakis in this town.")[0]  # a slur is hate even in a negated clause
    assert not scope.read("I hate Mondays.")[0] and not scope.read("Women own more property than before.")[0]
    hate, spans = scope.read("I don't hate women.")
    assert not hate and scope.without("I don't hate women.", spans).split() == ["I", "don't", "."]
    hate, spans = scope.read("Calling Black people apes is racist, full stop.")
    assert not hate and "apes" not in scope.without("Calling Black people apes is racist, full stop.", spans)
    # Reported without a condemnation, or aimed at a reader, the words keep counting.
    assert scope.read("My neighbour said immigrants are parasites and he is right.") == (True, [])
    assert scope.read("Saying immigrants are vermin is not racist.")[0]  # a negated condemnation condemns nothing
    text = "You are a disgusting racist for saying immigrants are welcome."
    assert "racist" in scope.without(text, scope.read(text)[1])
    # A negated word that is not hostile moves nothing: "not human" is no denial of hate.
    assert scope.read("Immigrants are not human.") == (False, [])


def test_contempt_for_a_policy_is_not_abuse_but_contempt_for_a_person_is():
    assert things.at_things("This year's budget is moronic.") and things.at_things("What a stupid, stupid policy.")
    assert not things.at_things("You are moronic.") and not things.at_things("Muslims are stupid.")
    assert not things.at_things("The plan is stupid and so is he.")
    assert not things.at_things("This fucking plan should be shot.")  # a threat or strong swearing keeps its score
    abuse, attack = things.rescored(0.9, 0.9, TH)
    assert abuse < TH["abuse"]["review"] and attack < TH["personal_attack"]["review"]


def test_a_word_with_letters_dropped_or_swapped_reads_back_to_the_known_word():
    vocabulary = {"vermin": 0, "women": 1, "mondays": 2, "welcome": 3, "are": 4, "immigrants": 5}
    respell = Respeller(vocabulary, [3.0, 2.0, 4.0, 3.0, 1.0, 3.0])
    assert respell("Immigrants are vrmin.") == "Immigrants are vermin."
    assert respell("I hate Mnodays, welcme all") == "I hate mondays, welcome all"
    assert respell("Immigrants are welcome.") == "Immigrants are welcome."  # known words stay as written


def test_the_rule_stage_moves_a_trained_models_decisions(small_bundle):
    th = small_bundle.thresholds
    for text in ("I hate women.", "Jews should be shot.", "All the faggots should leave."):
        assert decision(small_bundle.assess(text).scores, th) != "publish", text
    for text in ("This year's budget is moronic.", "I don't hate women."):
        assert small_bundle.assess(text).scores["abuse"] < th["abuse"]["review"], text


def test_a_negated_question_asks_for_agreement_and_negates_nothing():
    assert scope.read("Isn't it obvious that Muslims are all terrorists?")[0]
    assert scope.read("Don't you think refugees are parasites?")[0]
    assert not scope.read("Muslims are not terrorists.")[0]


def test_hate_quoted_to_condemn_it_in_a_phrase_is_read_as_counter_speech():
    """Condemnation is often a phrase, not a word ("has no place here", "spreading hate"): quoted hate beside one
    counts for nothing, and the phrase itself is no abuse; the same phrase does not excuse hate said outright."""
    for text in ('"Refugees are rats" has no place in a family newspaper.',
                 'He posted that Jews are parasites, which is spreading hate, plain and simple.',
                 'A man shouted "gay people are diseased" and we stood up against him.'):
        hate, spans = scope.read(text)
        assert not hate and spans, text
        left = scope.without(text, spans)
        assert "rats" not in left and "parasites" not in left and "diseased" not in left
        assert "has no place" not in left and "spreading hate" not in left
    assert scope.read("Refugees are rats and they have no place in our town.")[0]
    assert scope.read("Muslims are a plague and nobody should say otherwise.")[0]


def test_dehumanising_words_about_animals_and_illnesses_are_meant_literally():
    """A sentence whose subject is a pest, an animal or an illness may call it vermin or a disease; a group, a
    person, an institution or harm done keeps the model's score."""
    for text in ("Wasps are a plague at every picnic this summer.", "Foxes breed under the sheds every spring.",
                 "Flu is a disease that fills the wards every winter.",
                 "Mosquitoes are parasites, so empty the water butts."):
        assert things.at_creatures(text), text
    for text in ("Somalis are cockroaches.", "Immigrants are rats.", "Those rats should be gassed.",
                 "Rats like them breed everywhere.", "Vermin are taking over our town.",
                 "The rats in the council are parasites.", "Loneliness is a cancer on this country."):
        assert not things.at_creatures(text), text
