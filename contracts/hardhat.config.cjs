// Hardhat, as a dApp project would configure it for this chain: the network
// `dropbear` is the chain's Ethereum JSON-RPC (scripts/run-network.sh serves
// it on :8545; DROPBEAR_ETH_RPC_URL overrides) with its chain id, and
// Hardhat's default development accounts, which the dev and local presets
// fund. Contracts are compiled by build.mjs with the pinned solc-js, offline
// (Hardhat's own compile would download a compiler), so scripts run with
// `hardhat run --no-compile`.
module.exports = {
  solidity: '0.8.28',
  networks: {
    dropbear: {
      url: process.env.DROPBEAR_ETH_RPC_URL ?? 'http://127.0.0.1:8545',
      chainId: 1684170081,
      accounts: { mnemonic: 'test test test test test test test test test test test junk' },
    },
  },
};
