// viem against the chain's Ethereum JSON-RPC, with viem's defaults: the
// chain is described only by its RPC URL and id, the accounts are the
// Hardhat/Anvil development accounts 3 and 4 (funded in the dev and local
// presets). It reads the inference precompile (a certificate, a refusal's
// revert reason), deploys DigitBounty and reads it back, and sends a value
// transfer. Prints one JSON object; exits non-zero on any surprise.
//
//   node contracts/tools/viem-check.mjs --rpc http://127.0.0.1:8545 --request-id N
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  BaseError,
  ContractFunctionRevertedError,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rpc = arg('rpc') ?? 'http://127.0.0.1:8545';
const requestId = BigInt(arg('request-id') ?? '0');
const artifact = (name) =>
  JSON.parse(fs.readFileSync(path.join(here, '..', 'build', `${name}.json`)));
const PRECOMPILE = '0x00000000000000000000000000000000dB000000';
const MNEMONIC = 'test test test test test test test test test test test junk';

// The chain id is read from the node first, as a wallet does when it adds a
// network; viem then checks every signed transaction against it.
const probe = createPublicClient({ transport: http(rpc) });
const chainId = await probe.getChainId();
const chain = defineChain({
  id: chainId,
  name: 'Dropbear',
  nativeCurrency: { name: 'Dropbear', symbol: 'DBR', decimals: 18 },
  rpcUrls: { default: { http: [rpc] } },
});
const client = createPublicClient({ chain, transport: http(rpc), pollingInterval: 500 });
const [deployer, receiver] = [3, 4].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
const wallet = createWalletClient({ account: deployer, chain, transport: http(rpc) });

const inference = artifact('IInference');
const certificate = await client.readContract({
  address: PRECOMPILE,
  abi: inference.abi,
  functionName: 'certificate',
  args: [requestId],
});

let unknownRequest;
try {
  await client.readContract({
    address: PRECOMPILE,
    abi: inference.abi,
    functionName: 'certificate',
    args: [2n ** 63n],
  });
  throw new Error('the certificate of an unknown request did not revert');
} catch (e) {
  const revert = e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (!revert) throw e;
  unknownRequest = revert.reason;
}

const bounty = artifact('DigitBounty');
const reward = parseEther('1');
const deployHash = await wallet.deployContract({
  abi: bounty.abi,
  bytecode: bounty.bytecode,
  args: [certificate.group, 3],
  value: reward,
});
const deployed = await client.waitForTransactionReceipt({ hash: deployHash });
const read = (functionName) =>
  client.readContract({ address: deployed.contractAddress, abi: bounty.abi, functionName });

const before = await client.getBalance({ address: receiver.address });
const sent = parseEther('2');
const transferHash = await wallet.sendTransaction({ to: receiver.address, value: sent });
const transfer = await client.waitForTransactionReceipt({ hash: transferHash });
const received = (await client.getBalance({ address: receiver.address })) - before;

console.log(
  JSON.stringify({
    tool: 'viem',
    chainId,
    certificate: {
      requestId: certificate.requestId.toString(),
      outcome: Number(certificate.outcome),
      labels: certificate.labels.map(Number),
      agreed: Number(certificate.agreed),
      settled: certificate.settled,
    },
    unknownRequest,
    deployed: {
      status: deployed.status,
      address: deployed.contractAddress,
      sponsor: await read('sponsor'),
      target: Number(await read('target')),
      reward: (await read('reward')).toString(),
      balance: (await client.getBalance({ address: deployed.contractAddress })).toString(),
    },
    deployer: deployer.address,
    transfer: { status: transfer.status, sent: sent.toString(), received: received.toString() },
  }),
);
