/**
 * A reservation catalog at real size (`reservationSkus`: tens of thousands of SKUs, VM sizes × regions),
 * and many customers (`extraCustomers`). Everything is a pure function of an index, so nothing is built
 * at start-up: a product's SKUs are made when someone asks for them, and a price sheet streams them.
 */
import type { CustomerDef, ProductDef, SkuDef, TermDef } from './model';

/** Partner Center ids use this alphabet (no vowels but none of A, E, I, O, U, Y). */
export const ID_ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXZ';

export function encodeId(n: number, width: number): string {
  let out = '';
  let rest = n;
  for (let i = 0; i < width; i++) {
    out = (ID_ALPHABET[rest % ID_ALPHABET.length] ?? '0') + out;
    rest = Math.floor(rest / ID_ALPHABET.length);
  }
  return out;
}

export function decodeId(id: string): number | undefined {
  let n = 0;
  for (const ch of id.toUpperCase()) {
    const digit = ID_ALPHABET.indexOf(ch);
    if (digit < 0) return undefined;
    n = n * ID_ALPHABET.length + digit;
  }
  return n;
}

const REGIONS: [arm: string, display: string, factor: number][] = [
  ['eastus', 'US East', 1],
  ['eastus2', 'US East 2', 1],
  ['westus', 'US West', 1.05],
  ['westus2', 'US West 2', 1],
  ['westus3', 'US West 3', 1],
  ['centralus', 'US Central', 1.02],
  ['northcentralus', 'US North Central', 1.02],
  ['southcentralus', 'US South Central', 1.02],
  ['westcentralus', 'US West Central', 1.04],
  ['canadacentral', 'CA Central', 1.08],
  ['canadaeast', 'CA East', 1.08],
  ['brazilsouth', 'BR South', 1.35],
  ['northeurope', 'EU North', 1.06],
  ['westeurope', 'EU West', 1.08],
  ['uksouth', 'UK South', 1.1],
  ['ukwest', 'UK West', 1.1],
  ['francecentral', 'FR Central', 1.1],
  ['germanywestcentral', 'DE West Central', 1.1],
  ['norwayeast', 'NO East', 1.12],
  ['swedencentral', 'SE Central', 1.08],
  ['switzerlandnorth', 'CH North', 1.15],
  ['polandcentral', 'PL Central', 1.1],
  ['italynorth', 'IT North', 1.1],
  ['spaincentral', 'ES Central', 1.1],
  ['uaenorth', 'AE North', 1.2],
  ['qatarcentral', 'QA Central', 1.2],
  ['israelcentral', 'IL Central', 1.2],
  ['southafricanorth', 'ZA North', 1.25],
  ['centralindia', 'IN Central', 1.05],
  ['southindia', 'IN South', 1.05],
  ['westindia', 'IN West', 1.05],
  ['japaneast', 'JA East', 1.2],
  ['japanwest', 'JA West', 1.2],
  ['koreacentral', 'KR Central', 1.15],
  ['koreasouth', 'KR South', 1.15],
  ['eastasia', 'AP East', 1.25],
  ['southeastasia', 'AP Southeast', 1.15],
  ['australiaeast', 'AU East', 1.2],
  ['australiasoutheast', 'AU Southeast', 1.2],
  ['australiacentral', 'AU Central', 1.25],
  ['newzealandnorth', 'NZ North', 1.25],
  ['mexicocentral', 'MX Central', 1.15],
  ['chilecentral', 'CL Central', 1.2],
  ['indonesiacentral', 'ID Central', 1.2],
  ['malaysiawest', 'MY West', 1.2],
  ['taiwannorth', 'TW North', 1.2],
  ['usgovvirginia', 'USGov Virginia', 1.25],
  ['usgovarizona', 'USGov Arizona', 1.25],
  ['usgovtexas', 'USGov Texas', 1.25],
  ['eastus2euap', 'US East 2 EUAP', 1],
];

/** VM series and their sizes (cores; memory = cores × ratio). */
const SERIES: { name: string; prefix: string; ratio: number; category: string }[] = [
  { name: 'Dv5', prefix: 'Standard_D{n}_v5', ratio: 4, category: 'General purpose' },
  { name: 'Dsv5', prefix: 'Standard_D{n}s_v5', ratio: 4, category: 'General purpose' },
  { name: 'Dasv5', prefix: 'Standard_D{n}as_v5', ratio: 4, category: 'General purpose' },
  { name: 'Ddsv5', prefix: 'Standard_D{n}ds_v5', ratio: 4, category: 'General purpose' },
  { name: 'Ev5', prefix: 'Standard_E{n}_v5', ratio: 8, category: 'Memory optimized' },
  { name: 'Esv5', prefix: 'Standard_E{n}s_v5', ratio: 8, category: 'Memory optimized' },
  { name: 'Easv5', prefix: 'Standard_E{n}as_v5', ratio: 8, category: 'Memory optimized' },
  { name: 'Fsv2', prefix: 'Standard_F{n}s_v2', ratio: 2, category: 'Compute optimized' },
  { name: 'Lsv3', prefix: 'Standard_L{n}s_v3', ratio: 8, category: 'Storage optimized' },
  { name: 'Mv2', prefix: 'Standard_M{n}ms_v2', ratio: 29, category: 'Memory optimized' },
  { name: 'NCasT4_v3', prefix: 'Standard_NC{n}as_T4_v3', ratio: 7, category: 'GPU' },
  { name: 'Bsv2', prefix: 'Standard_B{n}s_v2', ratio: 4, category: 'General purpose' },
];
const CORES = [2, 4, 8, 16, 32, 48, 64, 96, 128, 192];

export const GENERATED_SKUS_PER_PRODUCT = REGIONS.length * CORES.length; // 500
const PRODUCT_PREFIX = 'DZH318ZG';

export interface GeneratedCatalog {
  products: ProductDef[];
  /** A SKU by its id within a generated product (undefined when out of range). */
  sku(product: ProductDef, skuId: string): SkuDef | undefined;
  skus(product: ProductDef): SkuDef[];
  isGenerated(product: ProductDef): boolean;
}

function seriesOf(p: number): { name: string; prefix: string; ratio: number; category: string } {
  const base = SERIES[p % SERIES.length] ?? SERIES[0];
  const round = Math.floor(p / SERIES.length);
  if (!base) throw new Error('no series');
  return round === 0 ? base : { ...base, name: `${base.name} (${round + 1})` };
}

/** The generated reservation SKU at a global index (pure). */
export function generatedSku(index: number): SkuDef {
  const k = index % GENERATED_SKUS_PER_PRODUCT;
  const series = seriesOf(Math.floor(index / GENERATED_SKUS_PER_PRODUCT));
  const [arm, display, factor] = REGIONS[k % REGIONS.length] ?? REGIONS[0] ?? ['eastus', 'US East', 1];
  const cores = CORES[Math.floor(k / REGIONS.length)] ?? 2;
  const armSkuName = series.prefix.replace('{n}', String(cores));
  const oneYear = Math.round(cores * 265 * factor);
  const terms: TermDef[] = [
    { duration: 'P1Y', description: '1 Year Prepaid', listPriceUsd: oneYear },
    { duration: 'P3Y', description: '3 Years Prepaid', listPriceUsd: Math.round(oneYear * 1.9) },
  ];
  return {
    id: encodeId(k, 4),
    title: `Reserved VM Instance, ${armSkuName}, ${display}`,
    description: `Reserved Virtual Machines Instance, ${armSkuName}, ${display}`,
    minimumQuantity: 1,
    maximumQuantity: 999999999,
    isTrial: false,
    supportedBillingCycles: ['one_time', 'monthly'],
    purchasePrerequisites: ['AzureSubscriptionRegistration', 'InventoryCheck'],
    inventoryVariables: ['CustomerId', 'AzureSubscriptionId', 'ArmRegionName'],
    provisioningVariables: ['Scope', 'SubscriptionId', 'Duration'],
    dynamicAttributes: {
      armSkuName,
      cores: String(cores),
      ram: String(cores * series.ratio),
      skuDisplayName: armSkuName.replace(/^Standard_/, '').replace(/_/g, ' '),
      category: series.category,
      armRegionName: arm,
      region: display,
      diskType: 'Ssd',
    },
    terms,
    fixedAvailabilities: [],
  };
}

export function generatedCatalog(skuCount: number): GeneratedCatalog {
  const productCount = Math.ceil(Math.max(0, skuCount) / GENERATED_SKUS_PER_PRODUCT);
  const products: ProductDef[] = [];
  const indexOf = new Map<string, number>();
  for (let p = 0; p < productCount; p++) {
    const series = seriesOf(p);
    const id = `${PRODUCT_PREFIX}${encodeId(p, 4)}`;
    indexOf.set(id, p);
    products.push({
      id,
      title: `Virtual Machines ${series.name} Series`,
      description: `${series.name}-series virtual machines (${series.category.toLowerCase()}).`,
      kind: 'reservation',
      productType: {
        id: 'Azure',
        displayName: 'Azure',
        subType: { id: 'VirtualMachines', displayName: 'VirtualMachines' },
      },
      publisherName: 'Microsoft',
      isMicrosoftProduct: true,
      reservationType: 'virtualmachines',
      skus: [],
    });
  }
  const range = (p: number): [number, number] => [
    p * GENERATED_SKUS_PER_PRODUCT,
    Math.min(skuCount, (p + 1) * GENERATED_SKUS_PER_PRODUCT),
  ];
  return {
    products,
    isGenerated: (product) => indexOf.has(product.id),
    sku(product, skuId) {
      const p = indexOf.get(product.id);
      const k = decodeId(skuId);
      if (p === undefined || k === undefined || skuId.length !== 4) return undefined;
      const [start, end] = range(p);
      const index = start + k;
      return index < end && k < GENERATED_SKUS_PER_PRODUCT ? generatedSku(index) : undefined;
    },
    skus(product) {
      const p = indexOf.get(product.id);
      if (p === undefined) return [];
      const [start, end] = range(p);
      const out: SkuDef[] = [];
      for (let i = start; i < end; i++) out.push(generatedSku(i));
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Customers

const FIRST = [
  'Alpine',
  'Blue Yonder',
  'Coho',
  'Contoso',
  'Fabrikam',
  'Fourth Coffee',
  'Graphic Design',
  'Humongous',
  'Litware',
  'Lucerne',
  'Margie',
  'Northwind',
  'Proseware',
  'Relecloud',
  'Southridge',
  'Tailspin',
  'Trey',
  'VanArsdel',
  'Wide World',
  'Woodgrove',
];
const SECOND = [
  'Airlines',
  'Bank',
  'Media',
  'Pharma',
  'Publishing',
  'Traders',
  'Toys',
  'Winery',
  'Video',
  'Labs',
];
const COUNTRIES: [country: string, city: string, culture: string][] = [
  ['US', 'Seattle', 'en-US'],
  ['US', 'Austin', 'en-US'],
  ['GB', 'London', 'en-GB'],
  ['DE', 'Munich', 'de-DE'],
  ['FR', 'Lyon', 'fr-FR'],
  ['CA', 'Toronto', 'en-CA'],
  ['AU', 'Sydney', 'en-AU'],
  ['JP', 'Osaka', 'ja-JP'],
];

/** The n-th extra customer (pure): a company name and domain a search can find. */
export function generatedCustomer(n: number): CustomerDef {
  const first = FIRST[n % FIRST.length] ?? 'Contoso';
  const second = SECOND[Math.floor(n / FIRST.length) % SECOND.length] ?? 'Labs';
  const number = String(n + 1).padStart(5, '0');
  const [country, city, culture] = COUNTRIES[n % COUNTRIES.length] ?? ['US', 'Seattle', 'en-US'];
  const slug = `${first}${second}`.toLowerCase().replace(/[^a-z]/g, '');
  const hex = (n + 1).toString(16).padStart(12, '0');
  return {
    id: `00000000-5ea1-4c0d-8e00-${hex}`,
    companyName: `${first} ${second} ${number}`,
    domain: `${slug}${number}.onmicrosoft.com`,
    country,
    city,
    state: '',
    addressLine1: `${(n % 900) + 1} Main Street`,
    postalCode: String(10000 + (n % 89999)),
    firstName: 'Sam',
    lastName: `Buyer${number}`,
    email: `sam@${slug}${number}.example`,
    culture,
  };
}
