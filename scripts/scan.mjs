// Fails on anything of the old S3/AWS platform, any placeholder, and any storage key,
// SAS or connection string in what we ship. Keyless is a property we check, not hope for.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const forbidden = [
  [/s3a?:\/\//i, 'an S3 URL'],
  [/\bAWS_[A-Z_]+/, 'an AWS environment variable'],
  [/amazonaws/i, 'an AWS endpoint'],
  [/aws-cli/i, 'the AWS CLI'],
  [/PLACEHOLDER/i, 'a placeholder'],
  [/AccountKey=/i, 'a storage account key'],
  [/SharedAccessSignature=|[?&]sig=[A-Za-z0-9%]+/, 'a shared access signature'],
  [/DefaultEndpointsProtocol=/i, 'a storage connection string'],
  [/AZURE_STORAGE_(KEY|SAS_TOKEN|CONNECTION_STRING)/, 'a storage key, SAS or connection string setting'],
  [/fs\.azure\.account\.key/, 'an ABFS account key setting'],
  [/listKeys\(|listAccountSas\(|listServiceSas\(/, 'a Bicep call that reads keys or SAS'],
];

export const scannedDirectories = ['dist', 'bicep', 'charts', 'environments'];

/** [{ line, what, text }] for every forbidden string in `text`. */
export function scanText(text) {
  const hits = [];
  text.split('\n').forEach((line, i) => {
    for (const [pattern, what] of forbidden) if (pattern.test(line)) hits.push({ line: i + 1, what, text: line.trim() });
  });
  return hits;
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? '.';
  let count = 0;
  let files = 0;
  for (const dir of scannedDirectories) {
    for (const file of walk(join(root, dir))) {
      files++;
      for (const hit of scanText(readFileSync(file, 'utf8'))) {
        console.error(`${relative(root, file)}:${hit.line}: ${hit.what}: ${hit.text}`);
        count++;
      }
    }
  }
  console.log(`scan: ${files} files in ${scannedDirectories.join(', ')}: ${count} forbidden strings`);
  process.exitCode = count > 0 ? 1 : 0;
}
