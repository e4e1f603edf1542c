import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script
import { scanText } from '../scripts/scan.mjs';

describe('the forbidden-string scan', () => {
  it.each([
    ['bucket: s3://old-bucket/warehouse'],
    ['- name: AWS_REGION'],
    ['endpoint: https://s3.eu-west-1.amazonaws.com'],
    ['image: amazon/aws-cli:2'],
    ['clientId: PLACEHOLDER'],
    ['DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc=='],
    ['- name: AZURE_STORAGE_KEY'],
    ['url: https://x.blob.core.windows.net/c?sv=2022-11-02&sig=abc%2Bdef'],
    ['fs.azure.account.key.x.dfs.core.windows.net: abc'],
    ['var keys = sa.listKeys().keys[0].value'],
  ])('finds %s', (line) => {
    expect(scanText(line).length).toBeGreaterThanOrEqual(1);
  });

  it('passes keyless configuration', () => {
    expect(scanText('azure.workload.identity/client-id: 9cc20430-07ea-4c14-a4c0-88d174e3100b\nbucketURL: azblob://warpstream')).toEqual([]);
  });
});
