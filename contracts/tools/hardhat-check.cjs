// Hardhat against the chain's Ethereum JSON-RPC: `hardhat run --no-compile
// tools/hardhat-check.cjs --network dropbear` (hardhat.config.cjs). Through
// Hardhat's own provider, which signs with the configured development
// accounts 7 and 8: reads the inference precompile's certificate of
// DROPBEAR_REQUEST_ID, deploys DigitBounty and reads it back, sends a value
// transfer. Prints one JSON object; exits non-zero on any surprise.
const fs = require('node:fs');
const path = require('node:path');
const hre = require('hardhat');
const { ethers } = require('ethers');

const PRECOMPILE = '0x00000000000000000000000000000000dB000000';
const artifact = (name) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'build', `${name}.json`)));

async function main() {
  const provider = hre.network.provider;
  const rpc = (method, params = []) => provider.request({ method, params });
  const receipt = async (hash) => {
    for (let i = 0; i < 240; i++) {
      const r = await rpc('eth_getTransactionReceipt', [hash]);
      if (r) return r;
      await new Promise((done) => setTimeout(done, 500));
    }
    throw new Error(`no receipt for ${hash}`);
  };
  const chainId = Number(await rpc('eth_chainId'));
  const accounts = await rpc('eth_accounts');
  const [deployer, receiver] = [accounts[7], accounts[8]];

  const inference = new ethers.Interface(artifact('IInference').abi);
  const requestId = BigInt(process.env.DROPBEAR_REQUEST_ID ?? '0');
  const [cert] = inference.decodeFunctionResult(
    'certificate',
    await rpc('eth_call', [
      { to: PRECOMPILE, data: inference.encodeFunctionData('certificate', [requestId]) },
      'latest',
    ]),
  );

  const bounty = artifact('DigitBounty');
  const bountyInterface = new ethers.Interface(bounty.abi);
  const reward = ethers.parseEther('1');
  const deployData = ethers.concat([
    bounty.bytecode,
    bountyInterface.encodeDeploy([cert.group, 5]),
  ]);
  const deployed = await receipt(
    await rpc('eth_sendTransaction', [
      { from: deployer, data: deployData, value: ethers.toQuantity(reward) },
    ]),
  );
  const read = async (name) =>
    bountyInterface.decodeFunctionResult(
      name,
      await rpc('eth_call', [
        { to: deployed.contractAddress, data: bountyInterface.encodeFunctionData(name) },
        'latest',
      ]),
    )[0];

  const balance = async (who) => BigInt(await rpc('eth_getBalance', [who, 'latest']));
  const before = await balance(receiver);
  const sent = ethers.parseEther('2');
  const transfer = await receipt(
    await rpc('eth_sendTransaction', [{ from: deployer, to: receiver, value: ethers.toQuantity(sent) }]),
  );
  const received = (await balance(receiver)) - before;

  const status = (r) => (r.status === '0x1' ? 'success' : 'reverted');
  console.log(
    JSON.stringify({
      tool: 'hardhat',
      chainId,
      certificate: {
        requestId: cert.requestId.toString(),
        outcome: Number(cert.outcome),
        labels: cert.labels.map(Number),
        agreed: Number(cert.agreed),
        settled: cert.settled,
      },
      deployed: {
        status: status(deployed),
        address: ethers.getAddress(deployed.contractAddress),
        sponsor: await read('sponsor'),
        target: Number(await read('target')),
        reward: (await read('reward')).toString(),
        balance: (await balance(deployed.contractAddress)).toString(),
      },
      deployer: ethers.getAddress(deployer),
      transfer: { status: status(transfer), sent: sent.toString(), received: received.toString() },
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
