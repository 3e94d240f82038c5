export {
  type IoredisClientLike,
  type NodeRedisClientLike,
  type RedisClientLike,
  type RedisStoreOptions,
  redisStore,
} from "./redis-store.js";
