"""LiteLLM as a client of the gateway: `litellm.completion` with an `openai/` model and
`api_base` (its documented way to reach an OpenAI-compatible server) and an `anthropic/` model
with `api_base`, default settings otherwise. One JSON line of what each case saw
(host/tests/clients_python.rs). LITELLM_LOCAL_MODEL_COST_MAP keeps it off the network.

Usage: litellm_table.py BASE_URL KEY OPENAI_MODEL ANTHROPIC_MODEL
"""

import json
import os
import sys

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
import litellm  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from case_table import run  # noqa: E402

base_url, key, openai_model, anthropic_model = sys.argv[1:5]

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "The weather for a place.",
          "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}]


class City(BaseModel):
    name: str
    rank: int


def tools(complete):
    messages = [{"role": "user", "content": "call get_weather in Rome"}]
    called = complete(messages=messages, tools=TOOLS).choices[0].message
    calls = [[call.function.name, json.loads(call.function.arguments)] for call in called.tool_calls or []]
    messages.append(called.model_dump(exclude_none=True))
    for call in called.tool_calls or []:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": f"sunny {json.loads(call.function.arguments)['query']}"})
    return [calls, complete(messages=messages, tools=TOOLS).choices[0].message.content]


def cases(complete):
    ask = lambda text: [{"role": "user", "content": text}]  # noqa: E731
    return {
        "plain": lambda: complete(messages=ask("hello from litellm")).choices[0].message.content,
        "stream": lambda: "".join(chunk.choices[0].delta.content or "" for chunk in complete(messages=ask("streamed from litellm"), stream=True)),
        "tools": lambda: tools(complete),
        "structured": lambda: City.model_validate_json(complete(messages=ask("name a city"), response_format=City).choices[0].message.content).model_dump(),
    }


def client(model, api_base):
    return lambda **kwargs: litellm.completion(model=model, api_base=api_base, api_key=key, num_retries=0, **kwargs)


print(json.dumps({
    "openai": run(cases(client(f"openai/{openai_model}", f"{base_url}/v1"))),
    "anthropic": run(cases(client(f"anthropic/{anthropic_model}", base_url))),
}))
