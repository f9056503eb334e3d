import { z } from 'zod';
import { OrderErrorSchema, OrderSchema } from './schemas';

/**
 * Resources the purchase flow added after the first schemas: customer qualifications, agreements,
 * and the two documented shapes of a checkout answer.
 */

/** "Get a customer's qualifications": a bare array; empty when the customer has none (commercial). */
export const QualificationsSchema = z.array(
  z
    .object({
      qualification: z.string().optional(),
      vettingStatus: z.string().optional(),
      vettingReason: z.string().optional(),
    })
    .passthrough(),
);
export type Qualifications = z.infer<typeof QualificationsSchema>;

/** "Get confirmation of customer acceptance of Microsoft Customer Agreement": a collection, empty when none. */
export const AgreementCollectionSchema = z
  .object({
    totalCount: z.number().optional(),
    items: z.array(
      z
        .object({
          type: z.string().optional(),
          templateId: z.string().optional(),
          dateAgreed: z.string().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
export type AgreementCollection = z.infer<typeof AgreementCollectionSchema>;

/**
 * A checkout's answer, as "Checkout a cart" documents it: a CartCheckoutResult (`orders`,
 * `orderErrors`), or, in the new-commerce example, a bare Order. Either becomes one shape.
 */
export const CheckoutAnswerSchema = z.union([
  OrderSchema.transform((order) => ({ orders: [order], orderErrors: [], shape: 'bare_order' as const })),
  z
    .object({
      orders: z.array(OrderSchema).nullish(),
      orderErrors: z.array(OrderErrorSchema).nullish(),
    })
    .passthrough()
    .transform((r) => ({
      orders: r.orders ?? [],
      orderErrors: r.orderErrors ?? [],
      shape: 'result' as const,
    })),
]);
export type CheckoutAnswer = z.infer<typeof CheckoutAnswerSchema>;
