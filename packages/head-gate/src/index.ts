/**
 * tsgi-head-gate: the one request-head gate of tsgi's servers. `serve()`, tsgi-appserver (TSGI
 * and Node apps) and tsgi-webserver all run {@link admitRequest} on every HTTP/1.x request and
 * install {@link createClientErrorHandler}, so no two of them read one request differently: the
 * same bytes get the same status from each, and a refused request reaches no app or upstream.
 * @module
 */
export { HEAD_RULES, RULES, STATUS_TEXT, refusalMessage, renderRulesMarkdown, type HeadRule, type HeadRuleCode, type HeadRuleSpec, type RuleEnforcer } from './rules.js';
export { admitRequest, checkHead, checkLimits, DEFAULT_HEAD_LIMITS, type HeadLimits } from './admit.js';
export { exchangeClosed } from './connection-state.js';
export { createClientErrorHandler, rawRefusal, refuseConnect, type ClientErrorOptions } from './client-error.js';
export { ruleForParserError, type ParserError } from './parser-errors.js';
export { escapesRoot, isValidHost, normalizePath, splitAbsoluteTarget, type AbsoluteTarget } from './target.js';
export { answerPlain, refuseRequest, type RefusalLog } from './refuse.js';
export { REQUEST_ID_HEADER, isRequestId, newRequestId, requestIdOf } from './request-id-header.js';
export { closeLingering, DEFAULT_LINGERING_CLOSE, lingerIfClosing, lingerNow, LINGERING_MAX_BYTES, type LingeringClose } from './lingering-close.js';
