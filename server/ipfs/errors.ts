// The one error type of the IPFS code: a code saying what went wrong, for callers to explain in
// their own terms (the CLI as CLI errors, the IPFS plugin as HTTP statuses).

/** Why an IPFS operation failed: a malformed CID, content not held, bytes that do not match... */
export type IpfsErrorCode = 'INVALID_CID' | 'CID_NOT_FOUND' | 'CID_MISMATCH' | 'TOO_LARGE' | 'NOT_A_FILE' | 'IPFS_UNAVAILABLE';

/** An IPFS failure callers are expected to catch and explain. */
export class IpfsError extends Error {
  readonly code: IpfsErrorCode;

  constructor(code: IpfsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IpfsError';
    this.code = code;
  }
}
