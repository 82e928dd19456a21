import type { AnchorCheck } from '../bundle/online.js';
import type { BundleVerification, FailedStep } from '../bundle/types.js';
import type { KeyTrust } from './check.js';

/** One level of a verdict; `not-checked` is said plainly, never shown as a pass. */
export type LevelStatus = 'passed' | 'failed' | 'not-checked';

/**
 * The levels of a verdict, never merged into one tick:
 *   intact     1: every offline step passed: the file agrees with itself;
 *   keys       2: the signing keys are the institution's (trust policy, or the chain's registry online);
 *   anchored   3: the chain holds this batch or checkpoint (online);
 *   witnesses  3: trusted witnesses cosigned it (policy quorum).
 */
export interface VerdictLevels {
  intact: LevelStatus;
  keys: LevelStatus;
  anchored: LevelStatus;
  witnesses: LevelStatus;
}

/** The step a verdict failed at: an offline step, `trust` (level 2, the policy) or `anchor` (level 3, the chain). */
export type VerdictStep = FailedStep | 'trust' | 'anchor';

export interface BundleVerdict {
  /** False when any level that was checked failed. */
  valid: boolean;
  failedStep: VerdictStep | null;
  levels: VerdictLevels;
}

/**
 * Combines the offline result, the trust policy's key check and the chain's
 * answer into levels. The chain's registry vouches for keys too: an anchor
 * check that passed compared them with the registered keys (online.ts), and
 * one that failed on a key did not reach the anchor question.
 */
export function bundleVerdict(offline: BundleVerification, keys?: KeyTrust, online?: AnchorCheck): BundleVerdict {
  const intact: LevelStatus = isIntact(offline) ? 'passed' : 'failed';
  const witnessStep = offline.steps.find((s) => s.step === 'witnesses');
  const witnesses: LevelStatus = witnessStep ? (witnessStep.status === 'skipped' ? 'not-checked' : witnessStep.status) : 'not-checked';
  if (intact === 'failed') {
    return { valid: false, failedStep: offline.valid ? null : offline.failedStep, levels: { intact, keys: 'not-checked', anchored: 'not-checked', witnesses } };
  }
  const keyMismatchOnline = online && !online.anchored && (online.reason === 'key-mismatch' || online.reason === 'witness-key-mismatch');
  let keysLevel: LevelStatus = 'not-checked';
  if (keys) keysLevel = keys.trusted ? 'passed' : 'failed';
  if (online?.anchored && keysLevel === 'not-checked') keysLevel = 'passed';
  if (keyMismatchOnline) keysLevel = 'failed';
  let anchored: LevelStatus = 'not-checked';
  if (online && online.anchored) anchored = 'passed';
  else if (online && !keyMismatchOnline && online.reason !== 'unreachable') anchored = 'failed';
  const levels: VerdictLevels = { intact, keys: keysLevel, anchored, witnesses };
  if (keys && !keys.trusted) return { valid: false, failedStep: 'trust', levels };
  if (online && !online.anchored) return { valid: false, failedStep: 'anchor', levels };
  if (!offline.valid) return { valid: false, failedStep: offline.failedStep, levels };
  return { valid: true, failedStep: null, levels };
}

/**
 * Level 1 passed: every offline step of the file itself passed. A quorum the
 * verifier's witness policy asks for and the file does not meet is level 3
 * (who vouches for it), not a sign the file was altered.
 */
export function isIntact(offline: BundleVerification): boolean {
  return offline.valid || offline.failedStep === 'witnesses';
}

export const LEVEL_TEXT: Record<keyof VerdictLevels, { zh: string; en: string }> = {
  intact: { zh: '① 内容完整', en: 'intact' },
  keys: { zh: '② 机构密钥', en: "the institution's keys" },
  anchored: { zh: '③ 链上锚定', en: 'anchored on chain' },
  witnesses: { zh: '③ 见证联署', en: 'cosigned by trusted witnesses' },
};

export const STATUS_TEXT: Record<LevelStatus, { zh: string; en: string; mark: string }> = {
  passed: { zh: '通过', en: 'passed', mark: '✓' },
  failed: { zh: '未通过', en: 'failed', mark: '✗' },
  'not-checked': { zh: '未核验', en: 'not checked', mark: '–' },
};

/** The top line: which levels were checked and how each came out, Chinese first. */
export function levelsLine(levels: VerdictLevels): string {
  return (Object.keys(LEVEL_TEXT) as (keyof VerdictLevels)[])
    .map((k) => `${STATUS_TEXT[levels[k]].mark} ${LEVEL_TEXT[k].zh} ${LEVEL_TEXT[k].en}: ${STATUS_TEXT[levels[k]].zh} ${STATUS_TEXT[levels[k]].en}`)
    .join(' · ');
}

/** Said whenever level 2 was not checked, so an intact file is never mistaken for the institution's. */
export const KEYS_NOT_CHECKED = {
  zh: '注意：未核验签名密钥是否属于该机构（未提供信任策略，也未在链上核对）。“内容完整”只说明文件自身一致，任何人都可以用自己的密钥做出这样的文件。',
  en: "Note: the signing keys were not checked to be the institution's (no trust policy, no chain check). Intact only means the file agrees with itself: anyone can make such a file with a key of their own.",
};
