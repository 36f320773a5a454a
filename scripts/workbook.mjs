// `npm run workbook`: runs the pre-built offline command (building it first when sources are newer).
import { createRequire } from "node:module";
import { ensureCli } from "./build-cli.mjs";

const bundle = await ensureCli();
process.argv[1] = bundle; // the command runs when it is the script Node was started with
createRequire(import.meta.url)(bundle);
