// tsplc exi decode --schema <id> <hex>   → JSON view of the document
// tsplc exi encode --schema <id> '<json>' → hex
// Errors print the typed error (code, message, bit position, grammar state) and exit 1.
import { parseCommandArgs } from '../args.js';
import { fromHex, toHex } from '../../bytes.js';
import { SCHEMA_IDS, decode, encode, fromJson, isSchemaId, toJson } from '../../codecs/exi/index.js';
import { errorMessage } from '../../errors.js';

export const summary = 'exi decode|encode --schema <appHand|din|iso2|iso20-common|iso20-dc|iso20-ac>';

const USAGE = `usage: tsplc exi decode --schema <${SCHEMA_IDS.join('|')}> <hex>
       tsplc exi encode --schema <${SCHEMA_IDS.join('|')}> '<json>'
  decode prints the JSON view (binary fields as hex strings); encode prints hex.
  Input '-' reads stdin.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function printError(e: unknown): void {
  process.stderr.write(`${JSON.stringify(toJson(e))}\n`);
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('exi', USAGE, { args: argv, allowPositionals: true, options: { schema: { type: 'string', short: 's' }, help: { type: 'boolean', short: 'h' } } });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [verb, inputArg] = positionals;
  const schema = values.schema;
  if ((verb !== 'decode' && verb !== 'encode') || inputArg === undefined || schema === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!isSchemaId(schema)) {
    process.stderr.write(`tsplc exi: unknown schema '${schema}' (one of ${SCHEMA_IDS.join(', ')})\n`);
    return 2;
  }
  const input = (inputArg === '-' ? await readStdin() : inputArg).trim();
  if (verb === 'decode') {
    const bytes = fromHex(input.replace(/[\s:]/g, ''));
    if (!bytes) {
      process.stderr.write('tsplc exi: input is not a hex string\n');
      return 2;
    }
    const r = decode(schema, bytes);
    if (!r.ok) {
      printError(r.error);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(toJson(r.value))}\n`);
    return 0;
  }
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch (e) {
    process.stderr.write(`tsplc exi: input is not JSON: ${errorMessage(e)}\n`);
    return 2;
  }
  const doc = fromJson(schema, json);
  if (!doc.ok) {
    printError(doc.error);
    return 1;
  }
  const r = encode(schema, doc.value);
  if (!r.ok) {
    printError(r.error);
    return 1;
  }
  process.stdout.write(`${toHex(r.value)}\n`);
  return 0;
}
