// Package oauth fetches OAUTHBEARER tokens from an OAuth 2 / OpenID
// Connect token endpoint, as the Java client's OAuthBearerLoginCallbackHandler
// does (KIP-768), with the client-credentials grant (client id and secret,
// or a signed client assertion, KIP-1258) and the JWT-bearer grant
// (RFC 7523, KIP-1139), and keeps the token fresh: a Source hands out its
// cached token and fetches a new one once the refresh point that Java's
// sasl.login.refresh.* settings define has passed.
//
// Tokens are checked the way the Java client's ClientJwtValidator does
// (a JWT with exp and a subject claim) before they are used, so that an
// unusable token is reported by the client, naming the claim, rather than
// refused by the broker without a reason.
package oauth
