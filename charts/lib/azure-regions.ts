/**
 * Azure public-cloud region names (`location`). From Azure.Core's `AzureLocation` public-cloud
 * list (Azure/azure-sdk-for-net sdk/core/Azure.Core/src/AzureLocation.cs, commit 0936c59), plus
 * regions opened since that list was last extended. A region Azure opens later is added here
 * (`az account list-locations --query "[].name"` lists them); a typo is far likelier than that.
 */
export const AZURE_REGIONS: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'brazilsouth', 'brazilsoutheast',
  'canadacentral', 'canadaeast', 'centralindia', 'centralus', 'chilecentral', 'eastasia', 'eastus', 'eastus2',
  'francecentral', 'francesouth', 'germanynorth', 'germanywestcentral', 'indonesiacentral', 'israelcentral',
  'italynorth', 'japaneast', 'japanwest', 'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth',
  'malaysiawest', 'mexicocentral', 'newzealandnorth', 'northcentralus', 'northeurope', 'norwayeast', 'norwaywest',
  'polandcentral', 'qatarcentral', 'southafricanorth', 'southafricawest', 'southcentralus', 'southeastasia',
  'southindia', 'spaincentral', 'swedencentral', 'swedensouth', 'switzerlandnorth', 'switzerlandwest', 'uaecentral',
  'uaenorth', 'uksouth', 'ukwest', 'westcentralus', 'westeurope', 'westindia', 'westus', 'westus2', 'westus3',
];

/** The known region closest to `name` (display names and typos alike), for the error message. */
export function closestRegion(name: string): string {
  const wanted = name.toLowerCase().replace(/[\s_-]/g, '');
  let best = AZURE_REGIONS[0];
  let bestDistance = Infinity;
  for (const region of AZURE_REGIONS) {
    const d = editDistance(wanted, region);
    if (d < bestDistance) [best, bestDistance] = [region, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
