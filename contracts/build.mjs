// Compile every Solidity source in this folder with the pinned solc-js
// (package.json; nothing is downloaded here) into build/<Contract>.json:
// { "abi": [...], "bytecode": "0x..." (null for an interface) }. Run by
// scripts/build-contracts.sh.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = path.dirname(fileURLToPath(import.meta.url));
const sources = {};
for (const name of fs.readdirSync(here).filter((f) => f.endsWith('.sol')).sort()) {
  sources[name] = { content: fs.readFileSync(path.join(here, name), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    // The contracts pallet's EVM runs Cancun's instruction set.
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(
  solc.compile(JSON.stringify(input), {
    import: (p) => {
      const file = path.join(here, path.basename(p));
      return fs.existsSync(file)
        ? { contents: fs.readFileSync(file, 'utf8') }
        : { error: `not found: ${p}` };
    },
  }),
);
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

const out = path.join(here, 'build');
fs.mkdirSync(out, { recursive: true });
let written = 0;
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    // Interfaces (IInference) have an ABI and no code.
    const bytecode = c.evm.bytecode.object ? `0x${c.evm.bytecode.object}` : null;
    fs.writeFileSync(
      path.join(out, `${name}.json`),
      JSON.stringify({ source: file, abi: c.abi, bytecode }, null, 1) + '\n',
    );
    written += 1;
  }
}
console.log(`solc ${solc.version()}: ${written} contracts in ${out}`);
