"""web3.py against the chain's Ethereum JSON-RPC, with web3.py's defaults.

The accounts are the Hardhat/Anvil development accounts 5 and 6 (funded in
the dev and local presets), signed locally. It reads the inference
precompile (a certificate, a refusal's revert reason), deploys DigitBounty
and reads it back, and sends a value transfer. Prints one JSON object; exits
non-zero on any surprise.

    python contracts/tools/web3_check.py --rpc http://127.0.0.1:8545 --request-id N
"""

import argparse
import json
from pathlib import Path

from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

HERE = Path(__file__).resolve().parent
PRECOMPILE = Web3.to_checksum_address("0x00000000000000000000000000000000dB000000")
MNEMONIC = "test test test test test test test test test test test junk"


def artifact(name):
    return json.loads((HERE.parent / "build" / f"{name}.json").read_text())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rpc", default="http://127.0.0.1:8545")
    parser.add_argument("--request-id", type=int, default=0)
    args = parser.parse_args()

    w3 = Web3(Web3.HTTPProvider(args.rpc, request_kwargs={"timeout": 60}))
    Account.enable_unaudited_hdwallet_features()
    deployer, receiver = (
        Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in (5, 6)
    )
    chain_id = w3.eth.chain_id

    inference = w3.eth.contract(address=PRECOMPILE, abi=artifact("IInference")["abi"])
    # web3.py returns the Certificate struct as a tuple; name its fields from
    # the ABI rather than by position.
    certificate_abi = inference.get_function_by_name("certificate").abi
    fields = [c["name"] for c in certificate_abi["outputs"][0]["components"]]
    cert = dict(zip(fields, inference.functions.certificate(args.request_id).call()))
    group = cert["group"]

    try:
        inference.functions.certificate(2**63).call()
        raise SystemExit("the certificate of an unknown request did not revert")
    except ContractLogicError as e:
        unknown_request = e.message

    def send(tx):
        tx.setdefault("nonce", w3.eth.get_transaction_count(deployer.address))
        tx.setdefault("chainId", chain_id)
        tx.setdefault("from", deployer.address)
        tx.setdefault("gas", w3.eth.estimate_gas(tx))
        tx.setdefault("gasPrice", w3.eth.gas_price)
        signed = deployer.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.5)

    bounty_artifact = artifact("DigitBounty")
    bounty = w3.eth.contract(abi=bounty_artifact["abi"], bytecode=bounty_artifact["bytecode"])
    reward = Web3.to_wei(1, "ether")
    deploy = bounty.constructor(group, 4).build_transaction(
        {"from": deployer.address, "value": reward, "chainId": chain_id}
    )
    deployed = send({k: v for k, v in deploy.items() if k in ("data", "value")})
    address = deployed["contractAddress"]
    mine = w3.eth.contract(address=address, abi=bounty_artifact["abi"])

    before = w3.eth.get_balance(receiver.address)
    sent = Web3.to_wei(2, "ether")
    transfer = send({"to": receiver.address, "value": sent})
    received = w3.eth.get_balance(receiver.address) - before

    print(
        json.dumps(
            {
                "tool": "web3.py",
                "chainId": chain_id,
                "certificate": {
                    "requestId": str(cert["requestId"]),
                    "outcome": cert["outcome"],
                    "labels": list(cert["labels"]),
                    "agreed": cert["agreed"],
                    "settled": cert["settled"],
                },
                "unknownRequest": unknown_request,
                "deployed": {
                    "status": "success" if deployed["status"] == 1 else "reverted",
                    "address": address,
                    "sponsor": mine.functions.sponsor().call(),
                    "target": mine.functions.target().call(),
                    "reward": str(mine.functions.reward().call()),
                    "balance": str(w3.eth.get_balance(address)),
                },
                "deployer": deployer.address,
                "transfer": {
                    "status": "success" if transfer["status"] == 1 else "reverted",
                    "sent": str(sent),
                    "received": str(received),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
