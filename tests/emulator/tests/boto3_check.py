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
emu.kill()
for name, r in results: print(f"{name:28} {r}")
fails = sum(1 for _, r in results if r != "ok")
print(f"{len(results)-fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
