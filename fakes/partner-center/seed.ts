import type { CustomerDef, FixedAvailability, ProductDef, SkuDef, SubscriptionDef, TermDef } from './model';

/**
 * Every seeded id, named, so tests and the demo never repeat literals. Where the documented examples
 * have an id (products, SKUs, availabilities, orders, invoices, customers), the seed reuses it.
 */
export const SEED = {
  customers: {
    /** United States: open to every kind. */
    open: {
      id: 'b0d70a69-4c42-4b27-b17b-91a835d8686a',
      companyName: 'Contoso Ltd',
      domain: 'contoso.onmicrosoft.com',
      country: 'US',
    },
    /** United Kingdom: open to every kind; owns `subscriptions.otherCustomer`. */
    openSecond: {
      id: '28045616-f6b9-462f-9701-0d89b5e65c44',
      companyName: 'Fabrikam UK Ltd',
      domain: 'fabrikamuk.onmicrosoft.com',
      country: 'GB',
    },
    /** Andorra: closed to software subscriptions, open to Azure reservations. */
    softwareClosed: {
      id: 'a5d0a1b3-8c2e-4f6a-9d17-2c4e6b8f0a13',
      companyName: 'Pyrenees Outdoor SL',
      domain: 'pyreneesoutdoor.onmicrosoft.com',
      country: 'AD',
    },
    /** India: closed to Azure reservations, open to software. */
    reservationsClosed: {
      id: 'c7e91f42-3b5d-4a86-b0e9-5d2f8a4c6e27',
      companyName: 'Bengaluru Analytics Pvt Ltd',
      domain: 'bengaluruanalytics.onmicrosoft.com',
      country: 'IN',
    },
    /** A second "Contoso…" company, so a name filter can match more than one customer. */
    contosoPharma: {
      id: '6f3c2b1a-0d9e-4c8b-a7f6-5e4d3c2b1a09',
      companyName: 'Contoso Pharmaceuticals',
      domain: 'contosopharma.onmicrosoft.com',
      country: 'US',
    },
    northwind: {
      id: '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
      companyName: 'Northwind Traders GmbH',
      domain: 'northwindtraders.onmicrosoft.com',
      country: 'DE',
    },
    /** United States, MCA accepted, no subscription of any kind (buy an Azure plan first). */
    noAzure: {
      id: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
      companyName: 'Adatum Corporation',
      domain: 'adatum.onmicrosoft.com',
      country: 'US',
    },
    /** United States, open market, but the Microsoft Customer Agreement was never confirmed: 403/13605. */
    noAgreement: {
      id: '4f9d2c1e-7a3b-4e5f-8c6d-0b1a2e3f4c5d',
      companyName: 'Trey Research',
      domain: 'treyresearch.onmicrosoft.com',
      country: 'US',
    },
    /** United States, Education qualification approved: may buy education availabilities. */
    education: {
      id: '7c2e9a41-5d3b-4f6e-9a8c-1b2d3e4f5a6b',
      companyName: 'Litware University',
      domain: 'litwareuniversity.onmicrosoft.com',
      country: 'US',
    },
    /** United States, GovernmentCommunityCloud qualification approved: may buy government availabilities. */
    government: {
      id: '2b4d6f8a-1c3e-4a5b-8d7f-9e0a1b2c3d4e',
      companyName: 'City of Lucerne',
      domain: 'cityoflucerne.onmicrosoft.com',
      country: 'US',
    },
    /** United States, with a registered Microsoft Azure (MS-AZR-0145P) subscription and no Azure plan. */
    legacyAzure: {
      id: 'b8f2c6d0-4e1a-4b3c-9d5e-7f8a9b0c1d2e',
      companyName: 'Tailspin Toys',
      domain: 'tailspintoys.onmicrosoft.com',
      country: 'US',
    },
  },
  subscriptions: {
    /** Azure plan of `open`, already registered for reservations. */
    registered: {
      id: '3a231fbe-37fe-4410-93fd-730d3d5d4c75',
      customerId: 'b0d70a69-4c42-4b27-b17b-91a835d8686a',
      friendlyName: 'Contoso Production',
    },
    /** Azure plan of `open`, not registered yet: register it, then poll. */
    unregistered: {
      id: '1c461a25-f729-4fa5-aadb-280947dd05e8',
      customerId: 'b0d70a69-4c42-4b27-b17b-91a835d8686a',
      friendlyName: 'Contoso Dev/Test',
    },
    /** Azure plan of `openSecond` (registered): using it for `open` is not a valid subscription. */
    otherCustomer: {
      id: 'ef2e1307-86e6-40e3-a794-872403fbd31c',
      customerId: '28045616-f6b9-462f-9701-0d89b5e65c44',
      friendlyName: 'Fabrikam Azure',
    },
    /** Registered Azure plan of `softwareClosed` (Andorra is open to reservations). */
    softwareClosedRegistered: {
      id: '5b9f1e3d-2c7a-4e8b-9d6f-1a3c5e7b9d2f',
      customerId: 'a5d0a1b3-8c2e-4f6a-9d17-2c4e6b8f0a13',
      friendlyName: 'Pyrenees Azure',
    },
    /** Registered Azure plan of `reservationsClosed` (so a reservation there fails on the market alone). */
    reservationsClosedRegistered: {
      id: '8d2e4f6a-1b3c-4d5e-8f7a-9b0c1d2e3f4a',
      customerId: 'c7e91f42-3b5d-4a86-b0e9-5d2f8a4c6e27',
      friendlyName: 'Bengaluru Azure',
    },
    /** Microsoft Azure (MS-AZR-0145P) subscription of `legacyAzure`, registered: reservations from the legacy catalog. */
    legacyAzure: {
      id: '9a0e6c1d-3b5f-4e7a-8c2d-6f1b3a5c7e9d',
      customerId: 'b8f2c6d0-4e1a-4b3c-9d5e-7f8a9b0c1d2e',
      friendlyName: 'Tailspin Azure (legacy)',
    },
    /** A seat-based Microsoft 365 subscription of `open`: not an Azure subscription. */
    nonAzure: {
      id: 'db8c695b-1c3c-4c55-b697-771503dd46bf',
      customerId: 'b0d70a69-4c42-4b27-b17b-91a835d8686a',
      friendlyName: 'Microsoft 365 Business Basic',
    },
  },
  products: {
    reservation: {
      productId: 'DZH318Z0BQ3Q',
      title: 'Virtual Machines DSv2 Series',
      skuIds: ['0001', '0002', '0003'],
    },
    softwareSubscription: {
      productId: 'DG7GMGF0FKZV',
      title: 'SQL Server Enterprise - 2 Core License Pack',
      skuIds: ['0001', '0003'],
    },
    perpetual: {
      productId: 'DG7GMGF0DWTL',
      title: 'Windows Server 2022 Datacenter - 16 Core License Pack',
      skuIds: ['0001'],
    },
  },
  /** The Azure plan (create-azure-plan.md): targetView MicrosoftAzure; its subscription appears after planProvisioningDelayMs. */
  azurePlan: {
    productId: 'DZH318Z0BPS6',
    skuId: '0001',
    availabilityId: 'DZH318Z0BML6',
    catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6',
  },
  /** A SKU that enforces attestation (product-resources.md AttestationProperties, Windows 365). */
  attestation: {
    productId: 'CFQ7TTC0J1FV',
    skuId: '0002',
    availabilityId: 'CFQ7TTC0J5MW',
    catalogItemId: 'CFQ7TTC0J1FV:0002:CFQ7TTC0J5MW',
    attestationType: 'Windows365',
    /** The text is only on the docs page; the API has no field for it. */
    text: 'I understand that each person using Windows 365 Business with Windows Hybrid Benefit also needs to have a valid copy of Windows 10/11 Pro installed on their primary work device.',
  },
  /** A reservation SKU with the InventoryCheck prerequisite; its product has no stock in `outOfStockRegion`. */
  inventoryCheck: {
    productId: 'DZH318Z0BQ3Q',
    /** In stock: its armRegionName is `inStockRegion`. */
    skuId: '0001',
    inStockRegion: 'westus2',
    outOfStockRegion: 'japanwest',
    /** The same product's SKU in `outOfStockRegion`: check-inventory restricts it and checkout fails (800010). */
    outOfStockSkuId: '0003',
  },
  /** Documented availability ids (generation 0 of the catalog, country US, commercial unless named). */
  availabilities: {
    /** DG7GMGF0FKZV:0001 (SQL Server Enterprise) for the education and government segments. */
    softwareEducation: 'DG7GMGF0DWMV',
    softwareGovernment: 'DG7GMGF0DWMW',
    /** CFQ7TTC0LH18:0001 (Microsoft 365 Business Basic) for nonprofits: listed only with targetSegment=nonprofit. */
    onlineServicesNonprofit: 'CFQ7TTC0K5DN',
    /** DZH318Z0BQ3V:00G2: a reservation SKU sold for Azure plans only. */
    reservationAzurePlanOnly: 'DZH318Z0HMKQ',
    /** DZH318Z0BQ3Q:0001 for legacy Azure subscriptions. */
    reservation: 'DZH318XZXPHL',
    /** DZH318Z0BQ3Q:0001 for Azure plans (`reservationScope=AzurePlan`). */
    reservationAzurePlan: 'DZH318XZXVNF',
    softwareSubscription: 'DG7GMGF0DWMT',
    perpetual: 'DG7GMGF0DSFM',
  },
  orders: {
    /** One-time reservation order of `open` (documented get-order example id). */
    reservation: 'YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1',
    reservationThreeYear: '9qg-ErcO-4MPbPqq_3MIQaS7bn8W6HfG1',
    software: 'NUXMSvmS20EQ4kFsZmzkSqb747fqKmNk1',
    perpetual: 'KaJ8XvkKc_GoNZOUyjVaRJalTBN5MWdV1',
    older: 's-BZlr_TeGksPNT61SsWRL-sqMaKbyVa1',
    /** Software order placed a day ago: still inside the cancellation window (cancel-order example id). */
    cancellable: '2y6dF_rVgDAXMxypQPPnTquuXhKVK_3N1',
    /** The monthly Microsoft 365 order behind `subscriptions.nonAzure` (billed on the recurring invoice). */
    licenseBased: 'eeba9d00-7b46-443a-917e-22887a8fc993',
  },
  invoices: {
    /** Recurring (license-based) invoice. */
    recurring: 'D02005YFHI',
    /** One-time invoice with four line items (seek paging with size < 4 has a next page). */
    oneTime: 'G000024135',
    /** An older, fully paid one-time invoice. */
    olderOneTime: 'G000024130',
  },
  /** What the token endpoint refuses (everything else is accepted). */
  auth: {
    badClientSecret: 'bad-secret',
    badRefreshToken: 'bad-refresh-token',
    scope: 'https://api.partnercenter.microsoft.com/.default',
    /** The price sheet's resource: the Partner API (get-a-price-sheet.md, App+User only). */
    pricingScope: 'https://api.partner.microsoft.com/.default',
  },
} as const;

const C = SEED.customers;
const S = SEED.subscriptions;

export const SEED_CUSTOMERS: CustomerDef[] = [
  {
    ...C.open,
    city: 'Redmond',
    state: 'WA',
    addressLine1: '1 Microsoft Way',
    postalCode: '98052',
    firstName: 'Avery',
    lastName: 'Howard',
    email: 'avery@contoso.com',
    culture: 'en-US',
  },
  {
    ...C.openSecond,
    city: 'Reading',
    state: '',
    addressLine1: '2 Kingdom Street',
    postalCode: 'RG1 1AA',
    firstName: 'Ian',
    lastName: 'Price',
    email: 'ian@fabrikam.co.uk',
    culture: 'en-GB',
  },
  {
    ...C.softwareClosed,
    city: 'Andorra la Vella',
    state: '',
    addressLine1: 'Avinguda Meritxell 12',
    postalCode: 'AD500',
    firstName: 'Marta',
    lastName: 'Puig',
    email: 'marta@pyreneesoutdoor.ad',
    culture: 'ca-AD',
  },
  {
    ...C.reservationsClosed,
    city: 'Bengaluru',
    state: 'KA',
    addressLine1: '80 MG Road',
    postalCode: '560001',
    firstName: 'Priya',
    lastName: 'Raman',
    email: 'priya@bengaluruanalytics.in',
    culture: 'en-IN',
  },
  {
    ...C.contosoPharma,
    city: 'Boston',
    state: 'MA',
    addressLine1: '100 Summer Street',
    postalCode: '02110',
    firstName: 'Jordan',
    lastName: 'Lee',
    email: 'jordan@contosopharma.com',
    culture: 'en-US',
  },
  {
    ...C.northwind,
    city: 'Berlin',
    state: '',
    addressLine1: 'Unter den Linden 5',
    postalCode: '10117',
    firstName: 'Lena',
    lastName: 'Vogel',
    email: 'lena@northwindtraders.de',
    culture: 'de-DE',
  },
  {
    ...C.noAzure,
    city: 'Chicago',
    state: 'IL',
    addressLine1: '233 S Wacker Dr',
    postalCode: '60606',
    firstName: 'Kim',
    lastName: 'Akers',
    email: 'kim@adatum.com',
    culture: 'en-US',
  },
  {
    ...C.noAgreement,
    city: 'Denver',
    state: 'CO',
    addressLine1: '1701 Wynkoop St',
    postalCode: '80202',
    firstName: 'Dana',
    lastName: 'Birkby',
    email: 'dana@treyresearch.net',
    culture: 'en-US',
    mcaAccepted: false,
  },
  {
    ...C.education,
    city: 'Madison',
    state: 'WI',
    addressLine1: '500 Lincoln Dr',
    postalCode: '53706',
    firstName: 'Robin',
    lastName: 'Counts',
    email: 'robin@litwareuniversity.edu',
    culture: 'en-US',
    qualifications: [
      {
        qualification: 'Education',
        vettingStatus: 'Approved',
        vettingCreatedDate: '2024-09-02T10:37:38.885Z',
      },
    ],
  },
  {
    ...C.government,
    city: 'Sacramento',
    state: 'CA',
    addressLine1: '915 I Street',
    postalCode: '95814',
    firstName: 'Alex',
    lastName: 'Darrow',
    email: 'alex@cityoflucerne.gov',
    culture: 'en-US',
    qualifications: [
      {
        qualification: 'GovernmentCommunityCloud',
        vettingStatus: 'Approved',
        // Spelled as the documented GovernmentCommunityCloud example spells it.
        vettingCreateDate: '2024-05-06T19:59:56.6832021+00:00',
      },
    ],
  },
  {
    ...C.legacyAzure,
    city: 'Portland',
    state: 'OR',
    addressLine1: '1120 NW Couch St',
    postalCode: '97209',
    firstName: 'Morgan',
    lastName: 'Shaw',
    email: 'morgan@tailspintoys.com',
    culture: 'en-US',
  },
];

const AZURE_PLAN = {
  type: 'azurePlan' as const,
  offerId: 'DZH318Z0BPS6:0001',
  offerName: 'Azure plan',
  quantity: 1,
};

export const SEED_SUBSCRIPTIONS: SubscriptionDef[] = [
  { ...S.registered, ...AZURE_PLAN, registration: 'Registered' },
  { ...S.unregistered, ...AZURE_PLAN, registration: 'NotRegistered' },
  { ...S.otherCustomer, ...AZURE_PLAN, registration: 'Registered' },
  { ...S.softwareClosedRegistered, ...AZURE_PLAN, registration: 'Registered' },
  { ...S.reservationsClosedRegistered, ...AZURE_PLAN, registration: 'Registered' },
  {
    ...S.legacyAzure,
    type: 'legacyAzure',
    offerId: 'MS-AZR-0145P',
    offerName: 'Microsoft Azure',
    quantity: 1,
    registration: 'Registered',
  },
  {
    ...S.nonAzure,
    type: 'license',
    offerId: 'CFQ7TTC0LH18:0001',
    offerName: 'Microsoft 365 Business Basic',
    quantity: 25,
    registration: 'NotRegistered',
  },
];

// ---------------------------------------------------------------------------------------------------
// Catalog

const RI_PREREQUISITES = ['AzureSubscriptionRegistration', 'InventoryCheck'];
const RI_INVENTORY_VARIABLES = ['CustomerId', 'AzureSubscriptionId', 'ArmRegionName'];

function usFixed(
  id: string,
  scope: 'default' | 'azureplan' = 'default',
  segment = 'commercial',
): FixedAvailability {
  return { id, country: 'US', segment, scope };
}

interface VmSkuInput {
  id: string;
  armSkuName: string;
  skuDisplayName: string;
  cores: string;
  ram: string;
  category: string;
  armRegionName: string;
  region: string;
  diskType: string;
  /** USD per instance: [1 year, 3 years]. */
  prices: [number, number];
  /** One-term SKUs (the older style: the duration is part of the SKU). */
  only?: 'P1Y' | 'P3Y';
  fixed?: FixedAvailability[];
  onlyScope?: 'default' | 'azureplan';
}

function vmSku(v: VmSkuInput): SkuDef {
  const terms: TermDef[] = [];
  if (v.only !== 'P3Y')
    terms.push({ duration: 'P1Y', description: '1 Year Prepaid', listPriceUsd: v.prices[0] });
  if (v.only !== 'P1Y')
    terms.push({ duration: 'P3Y', description: '3 Years Prepaid', listPriceUsd: v.prices[1] });
  const durationSuffix = v.only === 'P1Y' ? ', 1 Year' : v.only === 'P3Y' ? ', 3 Years' : '';
  const dynamicAttributes: Record<string, unknown> = {
    armSkuName: v.armSkuName,
    cores: v.cores,
    ram: v.ram,
    skuDisplayName: v.skuDisplayName,
    category: v.category,
    armRegionName: v.armRegionName,
    region: v.region,
    diskType: v.diskType,
  };
  if (v.only) dynamicAttributes.duration = v.only === 'P1Y' ? '1Year' : '3Years';
  return {
    id: v.id,
    title: `Reserved VM Instance, ${v.armSkuName}, ${v.region}${durationSuffix}`,
    description: `Reserved Virtual Machines Instance, ${v.armSkuName}, ${v.region}${durationSuffix}`,
    minimumQuantity: 1,
    maximumQuantity: 999999999,
    isTrial: false,
    // Reservations can be paid up front or monthly; both are one order line each.
    supportedBillingCycles: ['one_time', 'monthly'],
    purchasePrerequisites: RI_PREREQUISITES,
    inventoryVariables: RI_INVENTORY_VARIABLES,
    // A multi-term SKU needs the duration in the provisioning context; a one-term SKU implies it.
    provisioningVariables: v.only ? ['Scope', 'SubscriptionId'] : ['Scope', 'SubscriptionId', 'Duration'],
    dynamicAttributes,
    terms,
    fixedAvailabilities: v.fixed ?? [],
    ...(v.onlyScope ? { onlyScope: v.onlyScope } : {}),
  };
}

const AZURE_VM_TYPE = {
  id: 'Azure',
  displayName: 'Azure',
  subType: { id: 'VirtualMachines', displayName: 'VirtualMachines' },
};

function softwareSku(
  id: string,
  title: string,
  terms: TermDef[],
  fixed: FixedAvailability[] = [],
  maximumQuantity = 5000,
  extraSegments?: string[],
): SkuDef {
  return {
    ...(extraSegments ? { extraSegments } : {}),
    id,
    title,
    description: title,
    minimumQuantity: 1,
    maximumQuantity,
    isTrial: false,
    supportedBillingCycles: ['one_time'],
    purchasePrerequisites: [],
    inventoryVariables: [],
    provisioningVariables: [],
    dynamicAttributes: { isMicrosoftProduct: true },
    terms,
    fixedAvailabilities: fixed,
  };
}

function perpetualSku(
  id: string,
  title: string,
  priceUsd: number,
  fixed: FixedAvailability[] = [],
  extraSegments?: string[],
): SkuDef {
  return {
    ...softwareSku(id, title, [], fixed),
    perpetualPriceUsd: priceUsd,
    ...(extraSegments ? { extraSegments } : {}),
  };
}

function nceSku(
  id: string,
  title: string,
  monthlyUsd: number,
  fixed: FixedAvailability[],
  more: Partial<SkuDef> = {},
): SkuDef {
  return {
    ...more,
    id,
    title,
    description: title,
    minimumQuantity: 1,
    maximumQuantity: 300,
    isTrial: false,
    supportedBillingCycles: ['annual', 'monthly'],
    purchasePrerequisites: ['MicrosoftCloudAgreement'],
    inventoryVariables: [],
    provisioningVariables: [],
    actions: ['Refund'],
    dynamicAttributes: {
      isMicrosoftProduct: true,
      isAddon: false,
      hasConstraints: true,
      prerequisiteSkus: [],
    },
    terms: [
      {
        duration: 'P1M',
        description: 'One-Month commitment for monthly billing',
        listPriceUsd: monthlyUsd * 1.2,
        billingCycle: 'Monthly',
      },
      {
        duration: 'P1Y',
        description: 'One-Year commitment for monthly/yearly billing',
        listPriceUsd: monthlyUsd * 12,
        billingCycle: 'Annual',
      },
    ],
    fixedAvailabilities: fixed,
  };
}

const SQL_DESCRIPTION =
  'SQL Server Enterprise edition for mission-critical databases and data warehousing, licensed per 2 cores.';

export const SEED_PRODUCTS: ProductDef[] = [
  {
    id: 'DZH318Z0BQ3Q',
    title: 'Virtual Machines DSv2 Series',
    description:
      'Dsv2-series instances are the latest generation of D-series instances that will carry more powerful CPUs which are on average about 35% faster than D-series instances, and carry the same memory and disk configurations as the D-series.',
    kind: 'reservation',
    productType: AZURE_VM_TYPE,
    publisherName: 'Microsoft',
    isMicrosoftProduct: true,
    reservationType: 'virtualmachines',
    skus: [
      vmSku({
        id: '0001',
        armSkuName: 'Standard_DS1_v2',
        skuDisplayName: 'DS1 v2',
        cores: '1',
        ram: '3.5',
        category: 'General purpose',
        armRegionName: 'westus2',
        region: 'US West 2',
        diskType: 'Ssd',
        prices: [438, 876],
        fixed: [usFixed('DZH318XZXPHL'), usFixed('DZH318XZXVNF', 'azureplan')],
      }),
      vmSku({
        id: '0002',
        armSkuName: 'Standard_DS2_v2',
        skuDisplayName: 'DS2 v2',
        cores: '2',
        ram: '7',
        category: 'General purpose',
        armRegionName: 'eastus',
        region: 'US East',
        diskType: 'Ssd',
        prices: [876, 1752],
      }),
      vmSku({
        id: '0003',
        armSkuName: 'Standard_DS3_v2',
        skuDisplayName: 'DS3 v2',
        cores: '4',
        ram: '14',
        category: 'General purpose',
        armRegionName: 'japanwest',
        region: 'JA West',
        diskType: 'Ssd',
        prices: [1951, 3902],
      }),
    ],
  },
  {
    id: 'DZH318Z0BQ36',
    title: 'Virtual Machines NV Series',
    description: 'NV-series virtual machines for remote visualisation, streaming and VDI.',
    kind: 'reservation',
    productType: AZURE_VM_TYPE,
    publisherName: 'Microsoft',
    isMicrosoftProduct: true,
    reservationType: 'virtualmachines',
    skus: [
      vmSku({
        id: '004G',
        armSkuName: 'Standard_NV12',
        skuDisplayName: 'NV12',
        cores: '12',
        ram: '112',
        category: 'GPU',
        armRegionName: 'eastus2',
        region: 'US East 2',
        diskType: 'Hdd',
        prices: [13140, 26280],
        only: 'P1Y',
        fixed: [usFixed('DZH318Z08C0S')],
      }),
      vmSku({
        id: '004J',
        armSkuName: 'Standard_NV12',
        skuDisplayName: 'NV12',
        cores: '12',
        ram: '112',
        category: 'GPU',
        armRegionName: 'eastus2',
        region: 'US East 2',
        diskType: 'Hdd',
        prices: [13140, 26280],
        only: 'P3Y',
        fixed: [usFixed('DZH318Z08B8X')],
      }),
    ],
  },
  {
    id: 'DZH318Z0BQ3V',
    title: 'Virtual Machines DSv3 Series',
    description: 'Dsv3-series general purpose virtual machines with premium storage.',
    kind: 'reservation',
    productType: AZURE_VM_TYPE,
    publisherName: 'Microsoft',
    isMicrosoftProduct: true,
    reservationType: 'virtualmachines',
    skus: [
      vmSku({
        id: '00G1',
        armSkuName: 'Standard_D32s_v3',
        skuDisplayName: 'D32s v3',
        cores: '32',
        ram: '128',
        category: 'General purpose',
        armRegionName: 'westus2',
        region: 'US West 2',
        diskType: 'Ssd',
        prices: [10512, 20498],
        only: 'P3Y',
      }),
      // Sold for Azure plans only: listed with reservationScope=AzurePlan, absent without it.
      vmSku({
        id: '00G2',
        armSkuName: 'Standard_D16s_v3',
        skuDisplayName: 'D16s v3',
        cores: '16',
        ram: '64',
        category: 'General purpose',
        armRegionName: 'westus2',
        region: 'US West 2',
        diskType: 'Ssd',
        prices: [5256, 10249],
        only: 'P3Y',
        onlyScope: 'azureplan',
        fixed: [usFixed('DZH318Z0HMKQ', 'azureplan')],
      }),
    ],
  },
  {
    id: 'DZH318Z0BQ3P',
    title: 'Virtual Machines Dv2 Series',
    description: 'Dv2-series general purpose virtual machines.',
    kind: 'reservation',
    productType: AZURE_VM_TYPE,
    publisherName: 'Microsoft',
    isMicrosoftProduct: true,
    reservationType: 'virtualmachines',
    skus: [
      vmSku({
        id: '0039',
        armSkuName: 'Standard_D2_v2',
        skuDisplayName: 'D2 v2',
        cores: '2',
        ram: '7',
        category: 'General purpose',
        armRegionName: 'japanwest',
        region: 'JA West',
        diskType: 'Hdd',
        prices: [900, 1800],
      }),
      vmSku({
        id: '0038',
        armSkuName: 'Standard_D1_v2',
        skuDisplayName: 'D1 v2',
        cores: '1',
        ram: '3.5',
        category: 'General purpose',
        armRegionName: 'japanwest',
        region: 'JA West',
        diskType: 'Hdd',
        prices: [450, 900],
      }),
      vmSku({
        id: '000S',
        armSkuName: 'Standard_D1_v2',
        skuDisplayName: 'D1 v2',
        cores: '1',
        ram: '3.5',
        category: 'General purpose',
        armRegionName: 'northeurope',
        region: 'EU North',
        diskType: 'Hdd',
        prices: [420, 840],
      }),
      vmSku({
        id: '0011',
        armSkuName: 'Standard_D2_v2',
        skuDisplayName: 'D2 v2',
        cores: '2',
        ram: '7',
        category: 'General purpose',
        armRegionName: 'westeurope',
        region: 'EU West',
        diskType: 'Hdd',
        prices: [840, 1680],
      }),
    ],
  },
  {
    id: 'DZH318Z0BQ7F',
    title: 'SQL Database Single/Elastic Pool Business Critical - Compute Gen5',
    description: 'Reserved vCores for Azure SQL Database Business Critical (Gen5).',
    kind: 'reservation',
    productType: {
      id: 'Azure',
      displayName: 'Azure',
      subType: { id: 'SqlDatabases', displayName: 'SqlDatabases' },
    },
    publisherName: 'Microsoft',
    isMicrosoftProduct: true,
    reservationType: 'sqldatabases',
    skus: [
      {
        ...vmSku({
          id: '0001',
          armSkuName: 'SQLDB_BC_Compute_Gen5',
          skuDisplayName: 'SQL DB BC Gen5',
          cores: '1',
          ram: '0',
          category: 'SQL Database',
          armRegionName: 'eastus',
          region: 'US East',
          diskType: 'Ssd',
          prices: [2920, 5840],
        }),
        title: 'SQL Database Single/Elastic Pool Business Critical - Compute Gen5, US East',
        description: 'SQL Database Single/Elastic Pool Business Critical - Compute Gen5, US East, per vCore',
      },
    ],
  },
  {
    id: 'DG7GMGF0FKZV',
    title: 'SQL Server Enterprise - 2 Core License Pack',
    description: SQL_DESCRIPTION,
    kind: 'softwareSubscription',
    productType: {
      id: 'Software',
      displayName: 'Software',
      subType: { id: 'SoftwareSubscriptions', displayName: 'Software Subscriptions' },
    },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      softwareSku(
        '0001',
        'SQL Server Enterprise - 2 Core License Pack',
        [
          { duration: 'P1Y', description: '1 Year', listPriceUsd: 5434 },
          { duration: 'P3Y', description: '3 Years', listPriceUsd: 16302 },
        ],
        [
          usFixed('DG7GMGF0DWMT'),
          usFixed('DG7GMGF0DWMV', 'default', 'education'),
          usFixed('DG7GMGF0DWMW', 'default', 'government'),
        ],
        5000,
        ['education', 'government'],
      ),
      softwareSku(
        '0003',
        'SQL Server Enterprise - 2 Core License Pack - 3 year',
        [{ duration: 'P3Y', description: '3 Years', listPriceUsd: 16302 }],
        [usFixed('DG7GMGF0DWMS')],
      ),
    ],
  },
  {
    id: 'DG7GMGF0DVT7',
    title: 'Windows Server CAL',
    description: 'Windows Server Client Access License.',
    kind: 'softwareSubscription',
    productType: {
      id: 'Software',
      displayName: 'Software',
      subType: { id: 'SoftwareSubscriptions', displayName: 'Software Subscriptions' },
    },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      softwareSku(
        '000C',
        'Windows Server CAL - 1 Device CAL - 3 year',
        [{ duration: 'P3Y', description: '3 Years', listPriceUsd: 105 }],
        [usFixed('DG7GMGF0FVZM')],
      ),
    ],
  },
  {
    id: 'DG7GMGF0DWTL',
    title: 'Windows Server 2022 Datacenter - 16 Core License Pack',
    description: 'Windows Server 2022 Datacenter, perpetual license for 16 cores.',
    kind: 'perpetual',
    productType: {
      id: 'Software',
      displayName: 'Software',
      subType: { id: 'SoftwarePerpetual', displayName: 'Software Perpetual' },
    },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      perpetualSku(
        '0001',
        'Windows Server 2022 Datacenter - 16 Core License Pack',
        6155,
        [usFixed('DG7GMGF0DSFM'), usFixed('DG7GMGF0DSJB', 'default', 'education')],
        ['education'],
      ),
    ],
  },
  {
    id: 'DG7GMGF0DWM3',
    title: 'BizTalk Server 2016',
    description: 'BizTalk Server 2016, perpetual license.',
    kind: 'perpetual',
    productType: {
      id: 'Software',
      displayName: 'Software',
      subType: { id: 'SoftwarePerpetual', displayName: 'Software Perpetual' },
    },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [perpetualSku('0002', 'BizTalk Server 2016 Branch', 2500, [usFixed('DG7GMGF0DT1M')])],
  },
  {
    id: 'DZH318Z0BXWC',
    title: 'WAF-as-a-Service',
    description: 'Web application firewall as a service.',
    kind: 'saas',
    productType: { id: 'SaaS', displayName: 'SaaS' },
    publisherName: 'Barracuda Networks, Inc.',
    isMicrosoftProduct: false,
    skus: [
      {
        id: '0002',
        title: 'Barracuda WaaS - Medium Plan',
        description: 'Barracuda WaaS - Medium Plan',
        minimumQuantity: 1,
        maximumQuantity: 100,
        isTrial: false,
        supportedBillingCycles: ['monthly'],
        purchasePrerequisites: [],
        inventoryVariables: [],
        provisioningVariables: [],
        dynamicAttributes: {},
        terms: [{ duration: 'P1M', description: '1 Month', listPriceUsd: 820, billingCycle: 'Monthly' }],
        fixedAvailabilities: [usFixed('DZH318Z0BMRV')],
      },
    ],
  },
  {
    id: 'DZH318Z0C0WF',
    title: 'Contoso Analytics SaaS',
    description: 'A marketplace SaaS offer with a free trial.',
    kind: 'saas',
    productType: { id: 'SaaS', displayName: 'SaaS' },
    publisherName: 'Contoso ISV',
    isMicrosoftProduct: false,
    skus: [
      {
        id: '0001',
        title: 'Contoso Analytics - Free Trial',
        description: 'Contoso Analytics - Free Trial',
        minimumQuantity: 1,
        maximumQuantity: 100,
        isTrial: true,
        supportedBillingCycles: ['none', 'monthly'],
        purchasePrerequisites: [],
        inventoryVariables: [],
        provisioningVariables: [],
        dynamicAttributes: {},
        terms: [{ duration: 'P1M', description: '1 Month trial', listPriceUsd: 0, billingCycle: 'None' }],
        fixedAvailabilities: [usFixed('DZH318Z0BP69')],
      },
    ],
  },
  {
    id: 'CFQ7TTC0LH18',
    title: 'Microsoft 365 Business Basic',
    description:
      'Best for businesses that need professional email, cloud file storage, and online meetings & chat.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      nceSku(
        '0001',
        'Microsoft 365 Business Basic',
        6,
        [usFixed('CFQ7TTC0K971'), usFixed('CFQ7TTC0K5DN', 'default', 'nonprofit')],
        { extraSegments: ['nonprofit'] },
      ),
    ],
  },
  {
    id: 'CFQ7TTC0LH0Z',
    title: 'Microsoft Defender for Endpoint P1',
    description: 'Endpoint protection for business devices.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [nceSku('0001', 'Microsoft Defender for Endpoint P1', 3, [usFixed('CFQ7TTC0K18P')])],
  },
  {
    id: 'CFQ7TTC0LFLS',
    title: 'Microsoft 365 E3',
    description: 'Productivity apps and intelligent cloud services with advanced security.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      nceSku('0002', 'Microsoft 365 E3', 36, [usFixed('CFQ7TTC0KDLJ')], { extraSegments: ['government'] }),
    ],
  },
  {
    id: 'CFQ7TTC0LFLZ',
    title: 'Microsoft 365 E5',
    description: 'Productivity apps with advanced security, voice and analytics.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [nceSku('0002', 'Microsoft 365 E5', 57, [usFixed('CFQ7TTC0K4TS')])],
  },
  {
    id: 'CFQ7TTC0LF8S',
    title: 'Office 365 E5 without Audio Conferencing',
    description: 'Office 365 E5 without Audio Conferencing.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      nceSku('0001', 'Office 365 E5 without Audio Conferencing', 30.4, [
        usFixed('CFQ7TTC0VZW5'),
        usFixed('CFQ7TTC0N81H', 'default', 'education'),
      ]),
    ],
  },
];

SEED_PRODUCTS.push(
  {
    id: SEED.azurePlan.productId,
    title: 'Azure plan',
    description: 'Microsoft Azure plan: Azure services under the Microsoft Customer Agreement.',
    kind: 'azurePlan',
    productType: { id: 'Azure', displayName: 'Azure' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      {
        // The documented SKU (get-a-list-of-availabilities-for-a-sku-by-customer.md, Azure plan example).
        id: SEED.azurePlan.skuId,
        title: 'Microsoft Azure plan',
        description: 'Microsoft Azure plan (MS-AZR-0017G)',
        minimumQuantity: 1,
        maximumQuantity: 1,
        isTrial: false,
        supportedBillingCycles: ['one_time'],
        purchasePrerequisites: ['MicrosoftCustomerAgreement'],
        inventoryVariables: [],
        provisioningVariables: [],
        actions: ['Refund'],
        dynamicAttributes: { isMicrosoftProduct: true, pilotProgram: 'modernazurepilot' },
        terms: [],
        perpetualPriceUsd: 0,
        fixedAvailabilities: [usFixed(SEED.azurePlan.availabilityId)],
      },
    ],
  },
  {
    id: SEED.attestation.productId,
    title: 'Windows 365 Business',
    description: 'Windows 365 Business cloud PCs, with Windows Hybrid Benefit.',
    kind: 'onlineServices',
    productType: { id: 'OnlineServicesNCE', displayName: 'OnlineServicesNCE' },
    publisherName: 'Microsoft Corporation',
    isMicrosoftProduct: true,
    skus: [
      nceSku(
        SEED.attestation.skuId,
        'Windows 365 Business 2 vCPU, 4 GB, 128 GB (with Windows Hybrid Benefit)',
        31,
        [usFixed(SEED.attestation.availabilityId)],
        {
          attestationProperties: {
            attestationType: SEED.attestation.attestationType,
            enforceAttestation: true,
          },
        },
      ),
    ],
  },
);

/** Legacy offers bought by bare offer id (the create-cart example's `MS-AZR-0145P`). */
export const LEGACY_OFFERS: Record<string, { title: string }> = {
  'MS-AZR-0145P': { title: 'Microsoft Azure' },
};

/** Generates `count` extra software-subscription SKUs for benchmarks (ids X000, X001, ... in base 36). */
export function extraSoftwareSkus(count: number): SkuDef[] {
  const skus: SkuDef[] = [];
  for (let i = 0; i < count; i++) {
    const id = `X${i.toString(36).toUpperCase().padStart(3, '0')}`;
    const price = 1000 + (i % 97) * 10;
    skus.push(
      softwareSku(id, `SQL Server Enterprise - 2 Core License Pack - Variant ${i + 1}`, [
        { duration: 'P1Y', description: '1 Year', listPriceUsd: price },
        { duration: 'P3Y', description: '3 Years', listPriceUsd: price * 3 },
      ]),
    );
  }
  return skus;
}

// ---------------------------------------------------------------------------------------------------
// History: orders placed before the simulator started, and the invoices that billed them.

const DAY = 86_400_000;

export interface SeedOrderSpec {
  id: string;
  alternateId: string;
  customerId: string;
  daysAgo: number;
  lines: {
    catalogItemId: string;
    quantity: number;
    billingCycle: string;
    termDuration?: string;
    provisioningContext?: Record<string, string>;
    /** The subscription the line created (seat-based lines). */
    subscriptionId?: string;
  }[];
  /** Which seeded invoice billed it; undefined = still in the open billing period. */
  invoiceId?: string;
}

const RI_CONTEXT = { subscriptionId: S.registered.id, scope: 'shared' };

export const SEED_ORDERS: SeedOrderSpec[] = [
  {
    id: SEED.orders.licenseBased,
    alternateId: SEED.orders.licenseBased,
    customerId: C.open.id,
    daysAgo: 120,
    lines: [
      {
        catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971',
        quantity: 25,
        billingCycle: 'monthly',
        termDuration: 'P1M',
        subscriptionId: S.nonAzure.id,
      },
    ],
    invoiceId: SEED.invoices.recurring,
  },
  {
    id: SEED.orders.older,
    alternateId: '5c1e0a9b7d23',
    customerId: C.open.id,
    daysAgo: 60,
    lines: [
      {
        catalogItemId: 'DZH318Z0BQ3Q:0002:*',
        quantity: 1,
        billingCycle: 'one_time',
        termDuration: 'P1Y',
        provisioningContext: { ...RI_CONTEXT, duration: '1Year' },
      },
    ],
    invoiceId: SEED.invoices.olderOneTime,
  },
  {
    id: SEED.orders.reservation,
    alternateId: '0a3624c6e47d',
    customerId: C.open.id,
    daysAgo: 35,
    lines: [
      {
        catalogItemId: 'DZH318Z0BQ3Q:0002:*',
        quantity: 1,
        billingCycle: 'one_time',
        termDuration: 'P1Y',
        provisioningContext: { ...RI_CONTEXT, duration: '1Year' },
      },
    ],
    invoiceId: SEED.invoices.oneTime,
  },
  {
    id: SEED.orders.reservationThreeYear,
    alternateId: '55a4e6854d54',
    customerId: C.open.id,
    daysAgo: 33,
    lines: [
      {
        catalogItemId: 'DZH318Z0BQ3Q:0001:DZH318XZXVNF',
        quantity: 2,
        billingCycle: 'one_time',
        termDuration: 'P3Y',
        provisioningContext: { ...RI_CONTEXT, duration: '3Year' },
      },
    ],
    invoiceId: SEED.invoices.oneTime,
  },
  {
    id: SEED.orders.software,
    alternateId: '8f3af3dea1ea',
    customerId: C.open.id,
    daysAgo: 32,
    lines: [
      {
        catalogItemId: 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT',
        quantity: 4,
        billingCycle: 'one_time',
        termDuration: 'P1Y',
      },
    ],
    invoiceId: SEED.invoices.oneTime,
  },
  {
    id: SEED.orders.perpetual,
    alternateId: 'c403d91b21d2',
    customerId: C.open.id,
    daysAgo: 31,
    lines: [{ catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one_time' }],
    invoiceId: SEED.invoices.oneTime,
  },
  {
    id: SEED.orders.cancellable,
    alternateId: '94e858b6d855',
    customerId: C.open.id,
    daysAgo: 1,
    lines: [
      {
        catalogItemId: 'DG7GMGF0FKZV:0003:DG7GMGF0DWMS',
        quantity: 1,
        billingCycle: 'one_time',
        termDuration: 'P3Y',
      },
      {
        catalogItemId: 'DG7GMGF0DVT7:000C:DG7GMGF0FVZM',
        quantity: 1,
        billingCycle: 'one_time',
        termDuration: 'P3Y',
      },
    ],
  },
];

export interface SeedInvoiceSpec {
  id: string;
  invoiceType: 'OneTime' | 'Recurring';
  daysAgo: number;
  periodDays: number;
  paid: boolean;
}

export const SEED_INVOICES: SeedInvoiceSpec[] = [
  { id: SEED.invoices.olderOneTime, invoiceType: 'OneTime', daysAgo: 55, periodDays: 30, paid: true },
  { id: SEED.invoices.recurring, invoiceType: 'Recurring', daysAgo: 27, periodDays: 30, paid: false },
  { id: SEED.invoices.oneTime, invoiceType: 'OneTime', daysAgo: 25, periodDays: 30, paid: false },
];

/** The open billing period starts when the newest seeded invoice was cut. */
export const OPEN_PERIOD_STARTED_DAYS_AGO = 25;

export const MS_PER_DAY = DAY;
