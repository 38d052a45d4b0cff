"""pydantic-ai's agents on the gateway: the OpenAI chat and Responses models and the Anthropic
model, each pointed at the gateway with its provider's `base_url`, default settings otherwise.
One JSON line of what each case saw (host/tests/clients_python.rs).

Usage: pydantic_ai_table.py BASE_URL KEY OPENAI_MODEL ANTHROPIC_MODEL
"""

import asyncio
import json
import sys

from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider
from case_table import run

base_url, key, openai_model, anthropic_model = sys.argv[1:5]


class City(BaseModel):
    name: str
    rank: int


def get_weather(query: str) -> str:
    """The weather for a place."""
    return f"sunny {query}"


async def stream(model):
    async with Agent(model).run_stream("streamed from pydantic-ai") as run:
        return "".join([piece async for piece in run.stream_text(delta=True)])


def tools(model):
    result = Agent(model, tools=[get_weather]).run_sync("call get_weather in Rome")
    calls = [[part.tool_name, part.args_as_dict()] for message in result.all_messages() for part in message.parts if part.part_kind == "tool-call"]
    return [calls, result.output]


def cases(model):
    return {
        "plain": lambda: Agent(model).run_sync("hello from pydantic-ai").output,
        "stream": lambda: asyncio.run(stream(model)),
        "tools": lambda: tools(model),
        "structured": lambda: Agent(model, output_type=City).run_sync("name a city").output.model_dump(),
    }


# The documented way to point each at a compatible server: the provider's `base_url`.
openai_provider = OpenAIProvider(base_url=f"{base_url}/v1", api_key=key)
anthropic_provider = AnthropicProvider(base_url=base_url, api_key=key)
print(json.dumps({
    "openai": run(cases(OpenAIChatModel(openai_model, provider=openai_provider))),
    "openai_responses": run(cases(OpenAIResponsesModel(openai_model, provider=openai_provider))),
    "anthropic": run(cases(AnthropicModel(anthropic_model, provider=anthropic_provider))),
}))
