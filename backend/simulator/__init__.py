"""An OpenAI-compatible LLM simulator: deterministic, paced answers over the real Responses and Chat Completions wire
protocol, so the stack can be developed, tested and benchmarked without the real API.
"""
