"""Drives the emulator binary (argv[1]) with boto3: InvokeModel with the Titan Text Embeddings V2
and Cohere Embed v3/v4 bodies, answers and refusals as boto3 parses them. Prints one JSON line
of what came back; tests/emulator/tests/embeddings_boto3.rs judges it."""
import json, os, subprocess, sys
import boto3
from botocore.config import Config

emu = subprocess.Popen([sys.argv[1]], stdout=subprocess.PIPE, text=True)
try:
    line = emu.stdout.readline().strip()
    assert line.startswith("listening on http://"), line
    endpoint = line.split(" ", 2)[2]
    session = boto3.Session(aws_access_key_id=os.environ["EMULATOR_ACCESS_KEY_ID"],
                            aws_secret_access_key=os.environ["EMULATOR_SECRET_ACCESS_KEY"], region_name="us-east-1")
    rt = session.client("bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}))

    def invoke(model, body):
        """The parsed body and the input-token header, or the error's code and message."""
        try:
            r = rt.invoke_model(modelId=model, body=json.dumps(body), contentType="application/json", accept="application/json")
        except rt.exceptions.ValidationException as e:
            return {"error": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
        headers = r["ResponseMetadata"]["HTTPHeaders"]
        return {"body": json.loads(r["body"].read()), "input_tokens": headers.get("x-amzn-bedrock-input-token-count")}

    out = {}
    titan = "amazon.titan-embed-text-v2:0"
    out["titan"] = invoke(titan, {"inputText": "hello there world", "dimensions": 256, "normalize": True})
    out["titan_bad_dimensions"] = invoke(titan, {"inputText": "hello", "dimensions": 100})
    out["titan_too_long"] = invoke(titan, {"inputText": "x" * 50001})
    out["titan_extra_key"] = invoke(titan, {"inputText": "hello", "texts": ["a"]})
    out["cohere"] = invoke("cohere.embed-english-v3", {"texts": ["a b", "c"], "input_type": "search_query"})
    out["cohere_no_input_type"] = invoke("cohere.embed-multilingual-v3", {"texts": ["a"]})
    out["cohere_97"] = invoke("cohere.embed-english-v3", {"texts": ["t"] * 97, "input_type": "search_document"})
    out["cohere_v4"] = invoke("cohere.embed-v4:0", {"texts": ["a"], "input_type": "clustering", "embedding_types": ["float"], "output_dimension": 512})
    out["cohere_v4_bad_dimension"] = invoke("cohere.embed-v4:0", {"texts": ["a"], "input_type": "clustering", "output_dimension": 100})
    print(json.dumps(out))
finally:
    emu.kill()
