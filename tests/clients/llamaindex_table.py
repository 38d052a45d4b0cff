"""LlamaIndex's `OpenAILike` on the gateway: `api_base` and the settings its documentation
gives for a chat model with function calling (`is_chat_model`, `is_function_calling_model`),
defaults otherwise. One JSON line of what each case saw (host/tests/clients_python.rs).

Usage: llamaindex_table.py BASE_URL KEY MODEL
"""

import json
import sys

from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel
from case_table import run

base_url, key, model = sys.argv[1:4]


class City(BaseModel):
    name: str
    rank: int


def get_weather(query: str) -> str:
    """The weather for a place."""
    return f"sunny {query}"


def tools(llm):
    tool = FunctionTool.from_defaults(fn=get_weather)
    messages = [ChatMessage(role="user", content="call get_weather in Rome")]
    called = llm.chat_with_tools([tool], chat_history=messages)
    calls = llm.get_tool_calls_from_response(called, error_on_no_tool_call=False)
    messages.append(called.message)
    for call in calls:
        messages.append(ChatMessage(role="tool", content=get_weather(**call.tool_kwargs), additional_kwargs={"tool_call_id": call.tool_id, "name": call.tool_name}))
    answer = llm.chat_with_tools([tool], chat_history=messages)
    return [[[call.tool_name, call.tool_kwargs] for call in calls], answer.message.content]


llm = OpenAILike(model=model, api_base=f"{base_url}/v1", api_key=key, is_chat_model=True, is_function_calling_model=True, max_retries=0)
print(json.dumps({"openai_like": run({
    "plain": lambda: llm.complete("hello from llamaindex").text,
    "stream": lambda: "".join(piece.delta or "" for piece in llm.stream_chat([ChatMessage(role="user", content="streamed from llamaindex")])),
    "tools": lambda: tools(llm),
    "structured": lambda: llm.structured_predict(City, PromptTemplate("name a city")).model_dump(),
})}))
