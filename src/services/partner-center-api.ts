import type { PartnerCenterClient } from '../partner-center/client';

/**
 * The Partner Center operations the application services use, typed from the client itself (one
 * source of truth for signatures; tests pass the real client against the simulator).
 */
export type PartnerCenterApi = Pick<
  PartnerCenterClient,
  | 'listCustomers'
  | 'listCustomersPage'
  | 'getCustomer'
  | 'getCustomerQualifications'
  | 'getCustomerAgreements'
  | 'listSubscriptions'
  | 'listSubscriptionsByOrder'
  | 'registerSubscription'
  | 'getRegistrationStatus'
  | 'listProducts'
  | 'getProduct'
  | 'listSkus'
  | 'getSku'
  | 'listAvailabilities'
  | 'getAvailability'
  | 'checkInventory'
  | 'createPurchaseCart'
  | 'getCart'
  | 'checkout'
  | 'getOrder'
  | 'listOrders'
  | 'listOrdersByBillingType'
  | 'getOrderProvisioningStatus'
  | 'cancelOrderLines'
>;

/** The pricing API (a different host, App+User with its own audience). */
export type PricingApi = Pick<PartnerCenterClient, 'downloadPriceSheet'>;
