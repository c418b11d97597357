// Roles of API keys, shared by the gateway (authorization) and anything that sizes work by role
// (training caps). Ordered: each role may do everything the ones before it may.

export const ROLES = ['reader', 'trainer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
