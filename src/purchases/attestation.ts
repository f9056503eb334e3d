/**
 * Attestation statements for SKUs whose attestationProperties.enforceAttestation is true. Partner
 * Center sends only the attestation type, never the text; the text is on Microsoft's pages
 * ("Product resources" / Windows 365: "I understand that each person using Windows 365 Business with
 * Windows Hybrid Benefit also needs to have a valid copy of Windows 10/11 Pro installed on their
 * primary work device.").
 */
const TEXTS: Record<string, string> = {
  windows365:
    'I understand that each person using Windows 365 Business with Windows Hybrid Benefit also needs to have a valid copy of Windows 10/11 Pro installed on their primary work device.',
};

/** The statement the requester must accept for an attestation type. */
export function attestationText(type: string): string {
  return (
    TEXTS[type.toLowerCase()] ??
    "I confirm that the customer meets the conditions Microsoft sets for buying this product (see the product's page in Partner Center)."
  );
}
