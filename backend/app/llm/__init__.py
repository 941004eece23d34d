"""The model side: one streaming interface over OpenAI's Responses and Chat Completions APIs."""
