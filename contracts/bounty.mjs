// The example dApp end to end with ethers.js, through the chain's Ethereum
// JSON-RPC (pallet-revive's eth-rpc adapter), as a dApp developer would run
// it: the Hardhat/Anvil development accounts sign; account 0 deploys
// DigitBounty with a reward for a certified `--target` label, account 1
// claims it for an input whose bytes the group's members already hold
// (`dropbear infer --fast --no-order`), account 2 settles once the chain has
// decided. Along the way it checks what a bad call gets back. Prints one
// JSON object with what happened; exits non-zero on any surprise.
//
//   node contracts/bounty.mjs --rpc http://127.0.0.1:8545 \
//        --input-hash 0x... --target 7 [--group 0] [--timeout 120]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const rpc = args.rpc ?? 'http://127.0.0.1:8545';
const group = Number(args.group ?? 0);
const target = Number(args.target);
const inputHash = args['input-hash'];
const timeout = Number(args.timeout ?? 120) * 1000;
if (!Number.isInteger(target) || !/^0x[0-9a-fA-F]{64}$/.test(inputHash ?? '')) {
  console.error('usage: bounty.mjs --rpc URL --input-hash 0x<32 bytes> --target LABEL [--group N]');
  process.exit(2);
}

const PRECOMPILE = '0x00000000000000000000000000000000dB000000';
const OUTCOMES = ['Pending', 'Certified', 'NoAgreement', 'Expired', 'InputUnavailable'];
const artifact = (name) => JSON.parse(fs.readFileSync(path.join(here, 'build', `${name}.json`)));

// The development mnemonic of Hardhat and Anvil; its first accounts are
// funded in the chain's dev and local presets.
const MNEMONIC = 'test test test test test test test test test test test junk';
const provider = new ethers.JsonRpcProvider(rpc, undefined, { polling: true, pollingInterval: 500 });
const wallet = (i) =>
  ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
const [sponsor, claimant, settler] = [wallet(0), wallet(1), wallet(2)];

// The revert reason of a call that must fail, or a complaint if it did not.
async function refusal(what, call) {
  try {
    await call();
  } catch (e) {
    return e.reason ?? e.shortMessage ?? e.message;
  }
  throw new Error(`${what} did not fail`);
}

const network = await provider.getNetwork();
const inference = new ethers.Contract(PRECOMPILE, artifact('IInference').abi, provider);
const terms = await inference.groupTerms(group);
const price = terms.price;

const bountyArtifact = artifact('DigitBounty');
const factory = new ethers.ContractFactory(bountyArtifact.abi, bountyArtifact.bytecode, sponsor);
const reward = ethers.parseEther('100');
const bounty = await factory.deploy(group, target, { value: reward });
await bounty.waitForDeployment();
const bountyAddress = await bounty.getAddress();

const refusals = {
  claimWithoutPrice: await refusal('a claim below the price', () =>
    bounty.connect(claimant).claim.staticCall(inputHash, { value: price - 1n }),
  ),
  unknownCertificate: await refusal('an unknown certificate', () =>
    inference.certificate(2n ** 63n),
  ),
  unknownGroup: await refusal('the terms of an unknown group', () => inference.groupTerms(999)),
  garbageCallData: await refusal('call data that does not decode', () =>
    provider.call({ to: PRECOMPILE, data: '0xdeadbeef' }),
  ),
};

const claimantBefore = await provider.getBalance(claimant.address);
const claimTx = await bounty.connect(claimant).claim(inputHash, { value: price });
const claimReceipt = await claimTx.wait();
const claimed = claimReceipt.logs
  .map((log) => {
    try {
      return bounty.interface.parseLog(log);
    } catch {
      return null;
    }
  })
  .find((e) => e?.name === 'Claimed');
if (!claimed) throw new Error('no Claimed event in the claim receipt');
const requestId = claimed.args.requestId;
const claimCost = claimantBefore - (await provider.getBalance(claimant.address));

// Wait for the chain to decide (and, for a refund, to settle the fee).
const started = Date.now();
let cert;
for (;;) {
  cert = await inference.certificate(requestId);
  const outcome = OUTCOMES[Number(cert.outcome)];
  const refund = outcome === 'NoAgreement' || outcome === 'Expired';
  if (outcome !== 'Pending' && (!refund || cert.settled)) break;
  if (Date.now() - started > timeout) throw new Error(`request ${requestId} still ${outcome}`);
  await new Promise((r) => setTimeout(r, 1000));
}
const settleBefore = await provider.getBalance(claimant.address);
const settleTx = await bounty.connect(settler).settle(requestId);
await settleTx.wait();
const claimantGain = (await provider.getBalance(claimant.address)) - settleBefore;
refusals.settleTwice = await refusal('a second settle', () =>
  bounty.connect(settler).settle.staticCall(requestId),
);

console.log(
  JSON.stringify({
    chainId: Number(network.chainId),
    accounts: [sponsor.address, claimant.address, settler.address],
    bounty: bountyAddress,
    group,
    target,
    price: price.toString(),
    reward: reward.toString(),
    requestId: requestId.toString(),
    claimCost: claimCost.toString(),
    outcome: OUTCOMES[Number(cert.outcome)],
    labels: cert.labels.map(Number),
    agreed: Number(cert.agreed),
    members: Number(cert.members),
    inputHash: cert.inputHash,
    client: cert.client,
    winner: await bounty.winner(),
    claimantGain: claimantGain.toString(),
    contractBalance: (await provider.getBalance(bountyAddress)).toString(),
    refusals,
  }),
);
