// Compiles contracts/*.sol with solc-js (offline wasm from node_modules) into contracts/build/.
// Run through scripts/compile-contracts.sh; the artifacts are committed so tests never compile.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const dir = __dirname;
const sources = {};
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(dir, file), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    // ganache 7.9 implements up to Shanghai; newer defaults (Cancun) emit opcodes it lacks.
    evmVersion: "shanghai",
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
fs.mkdirSync(path.join(dir, "build"), { recursive: true });
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = {
      contractName: name,
      sourceName: file,
      compiler: "solc-js " + solc.version(),
      evmVersion: input.settings.evmVersion,
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
    };
    const out = path.join(dir, "build", name + ".json");
    fs.writeFileSync(out, JSON.stringify(artifact, null, 2) + "\n");
    console.log("wrote " + path.relative(path.join(dir, ".."), out));
  }
}
