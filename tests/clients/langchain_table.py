"""LangChain's chat models, pointed at the gateway as LangChain documents it (`base_url`), with
their default settings: one JSON line of what each case saw (host/tests/clients_python.rs).

Usage: langchain_table.py BASE_URL KEY OPENAI_MODEL ANTHROPIC_MODEL
"""

import json
import sys

from langchain_anthropic import ChatAnthropic
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel
from case_table import run

base_url, key, openai_model, anthropic_model = sys.argv[1:5]


class City(BaseModel):
    name: str
    rank: int


@tool
def get_weather(query: str) -> str:
    """The weather for a place."""
    return f"sunny {query}"


def text(message):
    """A message's text, whatever the shape of its content (a string, or blocks)."""
    value = message.text
    return value() if callable(value) else value


def tool_round_trip(model):
    """The model calls the tool; its result goes back; the model answers."""
    bound = model.bind_tools([get_weather])
    messages = [HumanMessage("call get_weather in Rome")]
    called = bound.invoke(messages)
    calls = [[call["name"], call["args"]] for call in called.tool_calls]
    messages.append(called)
    for call in called.tool_calls:
        messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    return [calls, text(bound.invoke(messages))]


def cases(model):
    return {
        "plain": lambda: text(model.invoke("hello from langchain")),
        "stream": lambda: "".join(text(chunk) for chunk in model.stream("streamed from langchain")),
        "tools": lambda: tool_round_trip(model),
        "structured": lambda: model.with_structured_output(City).invoke("name a city").model_dump(),
    }


# The documented way to point each at an OpenAI- or Anthropic-compatible server: `base_url`.
chat_openai = ChatOpenAI(model=openai_model, base_url=f"{base_url}/v1", api_key=key, max_retries=0)
chat_responses = ChatOpenAI(model=openai_model, base_url=f"{base_url}/v1", api_key=key, max_retries=0, use_responses_api=True)
chat_anthropic = ChatAnthropic(model=anthropic_model, base_url=base_url, api_key=key, max_retries=0)
print(json.dumps({
    "openai": run(cases(chat_openai)),
    "openai_responses": run(cases(chat_responses)),
    "anthropic": run(cases(chat_anthropic)),
}))
