// Validates recorded API responses against api/openapi.yaml: every JSON body must match the
// schema the spec gives for its path, method, status and content type (JSON Schema 2020-12,
// the dialect of OpenAPI 3.1). Usage: node validate_responses.mjs SPEC.yaml RESPONSES.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../web/package.json"));
const Ajv2020 = require("ajv/dist/2020").default;
const YAML = require("yaml");

const [specPath, responsesPath] = process.argv.slice(2);
const spec = YAML.parse(readFileSync(specPath, "utf8"));
const responses = JSON.parse(readFileSync(responsesPath, "utf8"));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(spec, "spec");

const escape = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
let failures = 0;
for (const r of responses) {
  const op = spec.paths?.[r.path]?.[r.method.toLowerCase()];
  if (!op) { console.error(`${r.method} ${r.path}: not in the spec`); failures++; continue; }
  let pointer = `#/paths/${escape(r.path)}/${r.method.toLowerCase()}/responses/${r.status}`;
  let response = op.responses?.[String(r.status)];
  if (!response) { console.error(`${r.method} ${r.path}: status ${r.status} is not documented`); failures++; continue; }
  if (response.$ref) { pointer = response.$ref; response = spec.components.responses[response.$ref.split("/").pop()]; }
  const type = r.content_type.split(";")[0];
  if (!response.content?.[type]) { console.error(`${r.method} ${r.path} ${r.status}: content type ${type} is not documented`); failures++; continue; }
  const validate = ajv.getSchema(`spec${pointer}/content/${escape(type)}/schema`);
  if (!validate(JSON.parse(r.body))) {
    console.error(`${r.method} ${r.path} ${r.status}: ${ajv.errorsText(validate.errors)}`);
    failures++;
  }
}
console.log(`responses matching the spec: ${responses.length - failures} of ${responses.length}`);
process.exit(failures ? 1 : 0);
