export {
  TagwardenError,
  BlockedError,
  LimitError,
  PolicyError,
  UnsupportedPolicyError,
  InvalidOptionError,
  UnsupportedEncodingError,
  ContentDecodingError,
  AbortedError,
  IoError,
  UsageError,
} from './errors.js'
export type { LimitName } from './errors.js'
