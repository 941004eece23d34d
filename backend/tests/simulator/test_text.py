from simulator.text import answer_tokens, reasoning_summary_tokens


def test_the_same_prompt_gives_the_same_tokens() -> None:
    assert answer_tokens("What is a stream?", 50) == answer_tokens("What is a stream?", 50)
    assert reasoning_summary_tokens("What is a stream?", 20) == reasoning_summary_tokens("What is a stream?", 20)


def test_different_prompts_give_different_answers() -> None:
    assert answer_tokens("What is a stream?", 50) != answer_tokens("What is a queue?", 50)


def test_the_count_is_exact_and_a_longer_answer_extends_a_shorter_one() -> None:
    for count in (0, 1, 7, 300):
        assert len(answer_tokens("Tell me everything.", count)) == count
    assert answer_tokens("Tell me everything.", 300)[:7] == answer_tokens("Tell me everything.", 7)


def test_answers_read_like_markdown_prose() -> None:
    text = "".join(answer_tokens("Write a long essay.", 3000))

    assert text[0].isupper()
    assert "## " in text
    assert "\n- " in text or "\n1. " in text
    assert "```python\n" in text
    assert all(token for token in answer_tokens("Write a long essay.", 3000))


def test_reasoning_summaries_open_with_a_bold_title() -> None:
    summary = "".join(reasoning_summary_tokens("What is a stream?", 30))

    assert summary.startswith("**")
    assert "I'm " in summary
