/**
 * The Authorization header the way Fly's own client builds it: macaroon tokens (`fm1r_`, `fm1a_`,
 * `fm2_`, or several joined by commas) and anything pasted with a `FlyV1 ` scheme go as
 * `FlyV1 <token>`; other tokens as `Bearer <token>`. A scheme the user pasted in is stripped first.
 */
export function authorizationHeader(rawToken: string): string {
  let token = rawToken.trim();
  let scheme: "FlyV1" | "Bearer" | undefined;
  const pasted = /^(flyv1|bearer)\s+/i.exec(token);
  if (pasted) {
    scheme = pasted[1]!.toLowerCase() === "flyv1" ? "FlyV1" : "Bearer";
    token = token.slice(pasted[0].length).trim();
  }
  if (scheme === undefined || scheme === "Bearer") {
    scheme = /^fm\d[a-z]*_/.test(token) ? "FlyV1" : "Bearer";
  }
  return `${scheme} ${token}`;
}
