import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Prisma } from '../../prisma/generated/client.js';
import type { ApiContext } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import { createApiKey, keyInputProblem, listApiKeys, revokeApiKey } from './api-keys.js';
import { ApiKey, CreatedApiKey, Viewer } from './api-key.type.js';
import { principalRole } from './principal.js';

@Authorized('reader')
@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => Viewer, { description: 'The caller: key name and role' })
  viewer(@Ctx() { principal }: ApiContext): Viewer {
    return { name: principal.kind === 'key' ? principal.name : 'open', role: principalRole(principal) ?? 'none' };
  }

  @Authorized('admin')
  @Query(() => [ApiKey], { description: 'Every key, oldest first (revoked ones included)' })
  apiKeys(@Ctx() { services }: ApiContext): Promise<ApiKey[]> {
    return listApiKeys(services.prisma);
  }

  @Authorized('admin')
  @Mutation(() => CreatedApiKey, { description: 'A new key with a role; the secret is in this answer only' })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('role', () => String, { description: 'reader, trainer or admin' }) role: string,
    @Ctx() { services }: ApiContext,
  ): Promise<CreatedApiKey> {
    const problem = keyInputProblem(name, role);
    if (problem) throw badUserInput(problem.field, problem.field === 'name' ? name : role, problem.problem);
    try {
      const { row, secret } = await createApiKey(services.prisma, name, role as 'reader');
      return { key: row, secret };
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw badUserInput('name', name, 'is already the name of a key');
      throw error;
    }
  }

  @Authorized('admin')
  @Mutation(() => ApiKey, { description: 'Revokes a key by id or name; it stops working at once' })
  async revokeApiKey(@Arg('key', () => String, { description: 'Id or name' }) key: string, @Ctx() { services }: ApiContext): Promise<ApiKey> {
    const row = await revokeApiKey(services.prisma, key);
    if (!row) throw notFound('API key', 'key', key);
    return row;
  }
}
