// The one auth checker behind every @Authorized: resolver classes require `reader` for everything
// they define, and mutations name the role they need on top.

import type { AuthChecker } from 'type-graphql';
import type { Role } from '../../schema/auth.js';
import type { ApiContext } from '../context.js';
import { unauthenticated } from '../errors.js';
import { principalAllows } from './principal.js';

export const authChecker: AuthChecker<ApiContext, Role> = ({ context }, roles) => {
  if (context.principal.kind === 'anonymous') {
    throw unauthenticated(context.principal.reason === 'invalid' ? 'the API key is unknown or revoked' : undefined);
  }
  return roles.every((role) => principalAllows(context.principal, role));
};
