/** Sign-in machinery shared by staff (tenants module) and end users (accounts module). */
export { ARGON2_OPTIONS, hashPassword, verifyPassword, verifyNobody, checkPasswordStrength } from './passwords.js';
export { tokenHash, settingSecret, createSessionTokens, type SessionTokens, type TokenPair, type RefreshTokenRecord, type RefreshTokenStore, type NewRefreshToken } from './sessions.js';
