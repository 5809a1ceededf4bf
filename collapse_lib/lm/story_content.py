"""The story grammar of the language-model chapter (Figure 8): its words and sentences.

A child hero (a girl or a boy, with pronouns fixed by :class:`~.grammar.Set`)
and an animal friend; an introduction, a home, the friend, a first outing that
names a place, one to four further events (dialogue, a find, an outing, the
weather, a meal, help) and an ending. Word lists are drawn with Zipf weights.
The grammar is LL(1) (checked when it is built), so :mod:`.grammar` gives each
story's exact log-probability and the exact entropy floor. These stories are a
stand-in of ours for BabiStories, not the paper's corpus.
"""

from __future__ import annotations

import numpy as np

from .grammar import Bind, C, Grammar, R, S, Set, Var, Z, render, sample_grammar

GIRLS = "Lily Mia Emma Sara Lucy Anna Zoe Ella Ruby Rose Amy Kate Nora Ivy Grace Chloe"
BOYS = "Tom Ben Max Sam Leo Jack Tim Dan Finn Noah Luke Owen Jake Eli Ryan Adam"
PETS = "Spot Coco Buddy Daisy Pip Rex Bella Milo Luna Oscar Teddy Bubbles Sunny Pepper Ziggy Biscuit"
ANIMALS = "dog cat bird bunny frog duck fox bear mouse turtle owl puppy kitten pony squirrel hedgehog"
HERO_ADJ = "little kind brave happy shy curious small clever funny sweet young quiet"
PLACES = "park forest beach river garden farm lake hill zoo market pond library meadow cave castle playground"
THINGS = (
    "ball kite box shell stone flower leaf feather key book hat boat toy map coin drum cake apple cookie balloon"
).split()
THING_ADJ = "red big shiny small blue old green soft golden tiny yellow pretty".split()
FOODS = "apples cookies bread soup cake sandwiches berries pie carrots pancakes".split()
FEELINGS = "happy sad scared excited tired surprised proud sleepy".split()


def _thing():
    """A thing, bare or with an adjective: 'ball', 'red ball' (LL(1): adjectives and nouns are disjoint)."""
    return C(Z(*THINGS, s=0.8), S(Z(*THING_ADJ, s=0.8), Z(*THINGS, s=0.8)), weights=[0.55, 0.45])


def story_grammar() -> Grammar:
    """The default story grammar (a few hundred words; see the module docstring)."""
    girl = S(
        "girl named",
        Bind("HERO", Z(*GIRLS.split(), s=0.6)),
        Set("P", "she"),
        Set("CP", "She"),
        Set("PP", "her"),
        Set("CPP", "Her"),
        Set("PO", "her"),
    )
    boy = S(
        "boy named",
        Bind("HERO", Z(*BOYS.split(), s=0.6)),
        Set("P", "he"),
        Set("CP", "He"),
        Set("PP", "his"),
        Set("CPP", "His"),
        Set("PO", "him"),
    )
    hero = S(Z(*HERO_ADJ.split(), s=0.7), C(girl, boy))
    intro = C(
        S("Once upon a time , there was a", hero, "."),
        S("There was once a", hero, "."),
        S(
            "Long ago , in a",
            Z("small", "quiet", "sunny", "busy", "faraway"),
            C("town", "village", "city"),
            ", there lived a",
            hero,
            ".",
        ),
        weights=[0.5, 0.3, 0.2],
    )
    home = S(
        Var("CP"),
        "lived",
        C(
            S("in a", Z("small", "big", "yellow", "blue", "cozy"), C("house", "home", "hut")),
            S("near the", Z("sea", "woods", "mountains", "river")),
        ),
        "with",
        Var("PP"),
        Z("mom", "dad", "family", "grandma", "grandpa"),
        ".",
    )
    pet = S(
        C(S(Var("CP"), "had a"), S(Var("CPP"), "best friend was a")),
        Bind("ANIMAL", Z(*ANIMALS.split(), s=0.7)),
        "named",
        Bind("FRIEND", Z(*PETS.split(), s=0.6)),
        ".",
    )
    speaker = C(Var("HERO"), Var("FRIEND"))
    utterance = C(
        S(
            "Let us",
            Z("play", "go", "run", "dance", "sing", "swim", "hide", "explore"),
            Z("together", "outside", "now", "today", "again"),
            "!",
        ),
        S("I", Z("like", "love", "see", "want"), "the", _thing(), "!"),
        S("Can we", Z("go", "stay", "play", "look"), Z("here", "home", "there", "again"), "?"),
        S("Look at", C("that", "this"), _thing(), "!"),
        S("Where is", C(S("my", _thing()), S("the", Bind("LOST", _thing()))), "?"),
        S("What a", Z("nice", "beautiful", "fun", "lovely", "strange"), C("day", "place", "surprise"), "!"),
        weights=[0.25, 0.2, 0.15, 0.15, 0.1, 0.15],
    )
    dialogue = S("“", utterance, "”", Z("said", "asked", "shouted", "whispered"), speaker, ".")
    found = S(
        "There",
        ",",
        C("they", S(Var("P"), "and", Var("FRIEND"))),
        Z("found", "saw", "got"),
        "a",
        Bind("THING", _thing()),
        ".",
        C(
            S(
                Var("CP"),
                Z("wanted", "tried", "liked"),
                "to",
                Z("keep", "share", "hold", "carry"),
                "the",
                Var("THING"),
                ".",
            ),
            S("The", Var("THING"), "was", Z("very", "so", "really"), Z(*THING_ADJ[:8]), "."),
            S(Var("FRIEND"), Z("barked", "jumped", "laughed", "smiled", "danced"), "at the", Var("THING"), "."),
        ),
    )
    went = S(
        "One day ,",
        Var("HERO"),
        "and",
        Var("FRIEND"),
        Z("went", "walked", "ran", "hopped"),
        "to the",
        Bind("PLACE", Z(*PLACES.split(), s=0.6)),
        ".",
        C(
            S("The", Var("PLACE"), "was", Z("big", "quiet", "busy", "pretty", "dark"), "."),
            S(Var("CP"), Z("saw", "met", "heard"), "a", Z(*ANIMALS.split(), s=0.7), "there ."),
            weights=[0.5, 0.5],
        ),
    )
    weather = S(
        "Suddenly ,",
        C(S("it started to", Z("rain", "snow")), "a strong wind blew", "the sky got dark", "they heard a loud noise"),
        ".",
        Var("HERO"),
        "felt",
        Z(*FEELINGS),
        ".",
    )
    eat = S(
        "Then",
        ",",
        C(S(Var("P"), "ate some", Z(*FOODS)), S("they", Z("ate", "shared", "made"), "some", Z(*FOODS))),
        C(S("with", Var("PP"), Z("mom", "dad", "grandma", "friend")), "together", S("at the", Var("PLACE"))),
        ".",
    )
    help_ = S(
        "After that ,",
        Var("HERO"),
        "helped",
        Var("FRIEND"),
        Z("find", "fix", "build", "clean"),
        "a",
        _thing(),
        ".",
        Var("FRIEND"),
        "was",
        Z("happy", "glad", "thankful"),
        ".",
    )
    # LL(1) at the event choice: events start with “ There One Suddenly Then After — none of them an ending word
    event = C(dialogue, found, went, weather, eat, help_, weights=[0.3, 0.2, 0.15, 0.1, 0.15, 0.1])
    # "Then" sentences use PLACE, so they may only follow a "One day" event: the event list is therefore
    # a first event that always binds PLACE, then 1-4 further events.
    ending = C(
        S("In the end ,", Var("HERO"), "and", Var("FRIEND"), "were", Z("happy", "tired", "best friends", "safe"), "."),
        S("From that day on ,", Var("P"), Z("always", "never", "often"), Z("smiled", "played outside", "shared"), "."),
        S("That night ,", Var("P"), "slept", Z("well", "happily", "with a smile"), "."),
        S("At last ,", Var("P"), "went home", "."),
        weights=[0.35, 0.25, 0.25, 0.15],
    )
    start = S(intro, home, pet, went, R(event, {1: 0.2, 2: 0.3, 3: 0.3, 4: 0.2}), ending)
    g = Grammar(start, name="stories-v1")
    g.check_ll1()
    return g


# ---------------------------------------------------------------------------- the default grammar and its stories

_DEFAULT: Grammar | None = None


def default_grammar() -> Grammar:
    """The (cached) story grammar of this module, used by :func:`stories` and Figure 8."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = story_grammar()
    return _DEFAULT


def sample_stories(n: int, seed: int, grammar: Grammar | None = None) -> tuple[list[list[str]], np.ndarray]:
    """``n`` stories (default: of :func:`default_grammar`) as word-token lists and their exact log-probabilities.

    Story i depends only on ``seed`` and i's position: a longer request with the
    same seed extends a shorter one (:func:`~.grammar.sample_grammar`).
    """
    return sample_grammar(default_grammar() if grammar is None else grammar, n, seed)


def stories(n: int, seed: int = 0, grammar: Grammar | None = None) -> list[str]:
    """``n`` children's stories (strings) from the story grammar; the same seed gives the same stories."""
    toks, _ = sample_stories(n, seed, grammar)
    return [render(t) for t in toks]
