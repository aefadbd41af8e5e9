"""Triton's own clients talk to a Dropbear worker, unchanged.

Run by tests/tests/worker.rs with the project's venv (scripts/setup-venv.sh
installs tritonclient[http,grpc]). It uses only tritonclient's public API, as
a Triton user would, over HTTP and over gRPC, and prints what it saw as JSON
for the test to check:

    triton_client.py HTTP_HOST:PORT GRPC_HOST:PORT MODEL IMAGES_FILE FIRST COUNT

IMAGES_FILE holds the group's inputs back to back, in the model's datatype.
COUNT inputs from FIRST go over HTTP (half with binary tensors, half as
JSON), and the COUNT after them over gRPC.
"""

import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

DTYPES = {"FP32": np.float32, "UINT8": np.uint8}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def infer(module, client, model, spec, outputs, batch, binary, label):
    """One infer call; the answers it carried, one per input."""
    tensor = module.InferInput(spec["name"], list(batch.shape), spec["datatype"])
    requested = []
    if module is httpclient:
        tensor.set_data_from_numpy(batch, binary_data=binary)
        requested = [module.InferRequestedOutput(o["name"], binary_data=binary) for o in outputs]
    else:
        tensor.set_data_from_numpy(batch)
        requested = [module.InferRequestedOutput(o["name"]) for o in outputs]
    result = client.infer(model, [tensor], outputs=requested, request_id=label)
    response = result.get_response()
    if module is httpclient:
        worker = response["parameters"]["worker"]
        version = response["model_version"]
        request_id = response.get("id")
    else:
        worker = response.parameters["worker"].string_param
        version = response.model_version
        request_id = response.id
    scores = result.as_numpy("scores")
    columns = {name: result.as_numpy(name) for name in ("label", "input_hash", "answer", "signature")}
    return [
        {
            "via": label,
            "id": request_id,
            "version": version,
            "scores": [float(s) for s in scores[i]],
            "label": int(columns["label"][i]),
            "hash": text(columns["input_hash"][i]),
            "answer": text(columns["answer"][i]),
            "signature": text(columns["signature"][i]),
            "worker": worker,
        }
        for i in range(len(batch))
    ]


def refusals(module, client, model, spec, shape, dtype):
    """Tensors that do not fit the model: the server's reasons."""
    wrong_dtype = module.InferInput(spec["name"], [1] + shape, "UINT8")
    wrong_dtype.set_data_from_numpy(np.zeros([1] + shape, dtype=np.uint8))
    wrong_shape = module.InferInput(spec["name"], [1, 3], spec["datatype"])
    wrong_shape.set_data_from_numpy(np.zeros([1, 3], dtype=dtype))
    refused = []
    for call in (
        lambda: client.infer(model, [wrong_dtype]),
        lambda: client.infer(model, [wrong_shape]),
        lambda: client.get_model_metadata("no-such-model"),
    ):
        try:
            call()
            refused.append(None)
        except InferenceServerException as e:
            refused.append({"status": str(e.status()), "message": e.message()})
    return refused


def main():
    http_url, grpc_url, model, images_file = sys.argv[1:5]
    first, count = int(sys.argv[5]), int(sys.argv[6])
    seen = {}

    http = httpclient.InferenceServerClient(url=http_url)
    seen["http"] = {
        "live": http.is_server_live(),
        "ready": http.is_server_ready(),
        "model_ready": http.is_model_ready(model),
        "server": http.get_server_metadata(),
        "metadata": http.get_model_metadata(model),
    }
    metadata = seen["http"]["metadata"]
    spec, outputs = metadata["inputs"][0], metadata["outputs"]
    dtype = DTYPES[spec["datatype"]]
    shape = [int(d) for d in spec["shape"][1:]]
    images = np.fromfile(images_file, dtype=dtype).reshape([-1] + shape)
    batch = images[first:first + count]
    half = count // 2
    answers = infer(httpclient, http, model, spec, outputs, batch[:half], True, "http-binary")
    answers += infer(httpclient, http, model, spec, outputs, batch[half:], False, "http-json")
    seen["http"]["refused"] = refusals(httpclient, http, model, spec, shape, dtype)

    grpc = grpcclient.InferenceServerClient(url=grpc_url)
    seen["grpc"] = {
        "live": grpc.is_server_live(),
        "ready": grpc.is_server_ready(),
        "model_ready": grpc.is_model_ready(model),
        "metadata": grpc.get_model_metadata(model, as_json=True),
    }
    more = images[first + count:first + 2 * count]
    answers += infer(grpcclient, grpc, model, spec, outputs, more, True, "grpc")
    seen["grpc"]["refused"] = refusals(grpcclient, grpc, model, spec, shape, dtype)
    seen["answers"] = answers
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
