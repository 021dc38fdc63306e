"""Near-duplicate sketches: stable values (stored sketches stay comparable across versions)."""

from __future__ import annotations

from pipeline.dedupe import MIN_WORDS, SKETCH_SIZE, sketch

TEXT = " ".join(
    f"The ferryman rowed word{i % 37} across the grey estuary at dawn, counting gulls."
    for i in range(12)
)


def test_the_sketch_of_a_text_never_changes() -> None:
    # the values the first release stored for this text (blake2b-64 of each lower-cased
    # 4-word shingle, shifted to 63 bits, the 16 smallest): a change would make every
    # stored sketch incomparable with new ones
    assert sketch(TEXT) == [
        127522115788446512,
        221373152120547163,
        410008408742470891,
        414937280649074319,
        449290634197670578,
        468967256587927847,
        471852514341000529,
        586282068703025632,
        744178548044003972,
        1048516685068726639,
        1056646823746093902,
        1797173804440131007,
        1972838581018325232,
        2215993685410246291,
        2261828741551988744,
        2439536747568679299,
    ]
    assert sketch(TEXT.upper()) == sketch(TEXT)


def test_short_texts_have_no_sketch_and_copies_share_theirs() -> None:
    assert sketch(" ".join(["word"] * (MIN_WORDS - 1))) == []
    edited = TEXT.replace("dawn", "dusk", 1)
    shared = set(sketch(TEXT)) & set(sketch(edited))
    assert len(sketch(TEXT)) == SKETCH_SIZE and len(shared) >= SKETCH_SIZE - 4
