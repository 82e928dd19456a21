// The insurer's side: claim packages from a gateway, checked and submitted to ClaimVerifier.
export { CLAIM_PACKAGE_FORMAT, claimFromBundles, locationOf, parseClaimPackage, type ClaimPackage, type ClaimPackageItem } from './claim-package.js';
export { claimRequestMessage, isClaimRequestSigned, requestClaimPackage, signClaimRequest, type ClaimPackageRequest } from './claim-request.js';
export { submitClaimPackage, type ClaimPackageVerdict, type ClaimRejection, type SubmitClaimPackageOptions } from './submit-claim-package.js';
