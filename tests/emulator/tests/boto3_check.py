"""Drives the emulator binary (argv[1]) with boto3, the Python AWS SDK: the emulator must be right
for every official SDK, not only Rust's. Run by tests/other_sdk.rs when boto3 is installed."""
import json, os, subprocess, sys
import boto3
from botocore.config import Config

emu = subprocess.Popen([sys.argv[1]], stdout=subprocess.PIPE, text=True)
line = emu.stdout.readline().strip()
assert line.startswith("listening on http://"), line
endpoint = line.split(" ", 2)[2]
# the documented default test pair, handed over by the Rust test
key = os.environ["EMULATOR_ACCESS_KEY_ID"]
secret = os.environ["EMULATOR_SECRET_ACCESS_KEY"]
session = boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")
cfg = Config(retries={"max_attempts": 1})
rt = session.client("bedrock-runtime", endpoint_url=endpoint, config=cfg)
cp = session.client("bedrock", endpoint_url=endpoint, config=cfg)
results = []
def check(name, fn):
    try:
        fn(); results.append((name, "ok"))
    except Exception as e:
        results.append((name, f"FAIL {type(e).__name__}: {e}"))
msgs = [{"role": "user", "content": [{"text": "hello there world"}]}]
check("converse", lambda: print(rt.converse(modelId="mistral.mistral-large-2407-v1:0", messages=msgs)["output"]["message"]["content"][0]["text"]))
def stream():
    r = rt.converse_stream(modelId="us.anthropic.claude-sonnet-4-6-20251001-v1:0", messages=msgs)
    kinds = [list(ev.keys())[0] for ev in r["stream"]]
    print(kinds)
    assert kinds[0] == "messageStart" and kinds[-1] == "metadata", kinds
check("converse_stream", stream)
arn = "arn:aws:bedrock:us-east-1::foundation-model/mistral.mistral-large-2407-v1:0"
check("converse ARN", lambda: rt.converse(modelId=arn, messages=msgs))
body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]})
check("invoke", lambda: print(json.loads(rt.invoke_model(modelId="us.anthropic.claude-haiku-4-5-20251001-v1:0", body=body)["body"].read())))
def invoke_stream():
    r = rt.invoke_model_with_response_stream(modelId="us.anthropic.claude-haiku-4-5-20251001-v1:0", body=body)
    n = sum(1 for ev in r["body"] if "chunk" in ev)
    assert n > 0
check("invoke_stream", invoke_stream)
def unknown():
    try:
        rt.converse(modelId="nope.model-v1:0", messages=msgs); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        print(e)
check("unknown model", unknown)
def profile_only():
    try:
        rt.converse(modelId="anthropic.claude-sonnet-4-6-20251001-v1:0", messages=msgs); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        print(e)
check("profile-only bare id", profile_only)
check("list models", lambda: print(len(cp.list_foundation_models()["modelSummaries"])))
def profiles():
    pages = list(cp.get_paginator("list_inference_profiles").paginate())
    print(len(pages), sum(len(p["inferenceProfileSummaries"]) for p in pages))
    assert len(pages) > 1
check("list profiles paginated", profiles)
check("get model", lambda: cp.get_foundation_model(modelIdentifier="mistral.mistral-large-2407-v1:0"))
check("get profile", lambda: cp.get_inference_profile(inferenceProfileIdentifier="us.anthropic.claude-sonnet-4-6-20251001-v1:0"))
bad = boto3.Session(aws_access_key_id=key, aws_secret_access_key="wrong", region_name="us-east-1").client("bedrock-runtime", endpoint_url=endpoint, config=cfg)
def wrong_secret():
    try:
        bad.converse(modelId="mistral.mistral-large-2407-v1:0", messages=msgs); raise AssertionError("no error")
    except Exception as e:
        print(type(e).__name__, e); assert "InvalidSignature" in str(e) or "signature" in str(e).lower()
check("wrong secret", wrong_secret)
# The newer Converse shapes: tool choice, reasoning with signatures, structured output, cache
# points, documents, request metadata (see the emulator's converse module).
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
TOOLS = [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}},
         {"toolSpec": {"name": "get_time", "inputSchema": {"json": {"type": "object"}}}}]
def tool_choice():
    for choice, name in [({"any": {}}, "get_weather"), ({"tool": {"name": "get_time"}}, "get_time")]:
        r = rt.converse(modelId=SONNET, messages=msgs, toolConfig={"tools": TOOLS, "toolChoice": choice})
        use = r["output"]["message"]["content"][0]["toolUse"]
        assert r["stopReason"] == "tool_use" and use["name"] == name, r
    r = rt.converse(modelId=SONNET, messages=msgs, toolConfig={"tools": TOOLS, "toolChoice": {"auto": {}}})
    assert r["stopReason"] == "end_turn", r
    try:
        rt.converse(modelId=SONNET, messages=msgs, toolConfig={"tools": TOOLS, "toolChoice": {"tool": {"name": "nope"}}}); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        assert "nope" in str(e), e
check("tool choice", tool_choice)
THINK = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
def thinking_two_turns():
    ask = [{"role": "user", "content": [{"text": "call get_weather in Oslo"}]}]
    r = rt.converse(modelId=SONNET, messages=ask, toolConfig={"tools": TOOLS}, inferenceConfig={"maxTokens": 2048}, additionalModelRequestFields=THINK)
    content = r["output"]["message"]["content"]
    reasoning = content[0]["reasoningContent"]["reasoningText"]
    assert reasoning["text"] == "Thinking about: call get_weather in Oslo" and reasoning["signature"], content
    use = content[1]["toolUse"]
    result = {"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"], "content": [{"text": "sunny"}]}}]}
    r2 = rt.converse(modelId=SONNET, messages=ask + [r["output"]["message"], result], toolConfig={"tools": TOOLS}, inferenceConfig={"maxTokens": 2048}, additionalModelRequestFields=THINK)
    assert r2["output"]["message"]["content"][-1]["text"] == "Echo: sunny", r2
    tampered = {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": reasoning["text"] + "!", "signature": reasoning["signature"]}}}, content[1]]}
    for assistant in (tampered, {"role": "assistant", "content": [content[1]]}):
        try:
            rt.converse(modelId=SONNET, messages=ask + [assistant, result], toolConfig={"tools": TOOLS}, inferenceConfig={"maxTokens": 2048}, additionalModelRequestFields=THINK); raise AssertionError("no error")
        except rt.exceptions.ValidationException as e:
            assert "messages.1.content.0" in str(e), e
    try:
        rt.converse(modelId=SONNET, messages=msgs, inferenceConfig={"maxTokens": 1024}, additionalModelRequestFields=THINK); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        assert "budget_tokens" in str(e), e
check("thinking two turns", thinking_two_turns)
def thinking_stream():
    r = rt.converse_stream(modelId=SONNET, messages=msgs, inferenceConfig={"maxTokens": 2048}, additionalModelRequestFields=THINK)
    text, signature, answer = "", None, ""
    for ev in r["stream"]:
        d = ev.get("contentBlockDelta", {}).get("delta", {})
        if "reasoningContent" in d:
            assert ev["contentBlockDelta"]["contentBlockIndex"] == 0
            text += d["reasoningContent"].get("text", ""); signature = d["reasoningContent"].get("signature", signature)
        if "text" in d:
            assert ev["contentBlockDelta"]["contentBlockIndex"] == 1; answer += d["text"]
    assert text == "Thinking about: hello there world" and signature and answer == "Echo: hello there world", (text, signature, answer)
check("thinking stream", thinking_stream)
def gpt_oss_reasoning():
    r = rt.converse(modelId="openai.gpt-oss-20b-1:0", messages=msgs, additionalModelRequestFields={"reasoning_effort": "low"})
    block = r["output"]["message"]["content"][0]["reasoningContent"]["reasoningText"]
    assert "signature" not in block and block["text"].startswith("Thinking about:"), block
check("gpt-oss reasoning", gpt_oss_reasoning)
def structured():
    schema = json.dumps({"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer", "minimum": 2}}, "required": ["ok", "n"]})
    fmt = {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": schema, "name": "answer"}}}}
    r = rt.converse(modelId=SONNET, messages=msgs, outputConfig=fmt)
    assert json.loads(r["output"]["message"]["content"][0]["text"]) == {"ok": False, "n": 2}, r
    try:
        rt.converse(modelId="amazon.nova-pro-v1:0", messages=msgs, outputConfig=fmt); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        print(e)
check("structured output", structured)
def caching():
    system = [{"text": "you are a careful assistant"}, {"cachePoint": {"type": "default"}}]
    first = rt.converse(modelId=SONNET, system=system, messages=msgs)["usage"]
    second = rt.converse(modelId=SONNET, system=system, messages=msgs)["usage"]
    assert first["cacheWriteInputTokens"] == 5 and first["cacheReadInputTokens"] == 0, first
    assert second["cacheReadInputTokens"] == 5 and second["cacheWriteInputTokens"] == 0 and second["inputTokens"] == 3, second
    try:
        rt.converse(modelId=SONNET, system=[{"text": "x"}] + [{"cachePoint": {"type": "default"}}] * 5, messages=msgs); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        assert "maximum of 4" in str(e), e
check("cache points", caching)
def documents():
    doc = {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"alpha beta gamma"}}}
    r = rt.converse(modelId=SONNET, messages=[{"role": "user", "content": [{"text": "summarize"}, doc]}])
    assert r["output"]["message"]["content"][0]["text"] == "Echo: summarize document notes" and r["usage"]["inputTokens"] == 4, r
    try:
        bad = {"document": {"format": "txt", "name": "notes.txt", "source": {"bytes": b"x"}}}
        rt.converse(modelId=SONNET, messages=[{"role": "user", "content": [{"text": "s"}, bad]}]); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        assert "name" in str(e), e
check("documents", documents)
def metadata():
    rt.converse(modelId=SONNET, messages=msgs, requestMetadata={"team": "search"})
    try:
        rt.converse(modelId=SONNET, messages=msgs, requestMetadata={"k": "semi;colon"}); raise AssertionError("no error")
    except rt.exceptions.ValidationException as e:
        print(e)
check("request metadata", metadata)
emu.kill()
for name, r in results: print(f"{name:28} {r}")
fails = sum(1 for _, r in results if r != "ok")
print(f"{len(results)-fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
