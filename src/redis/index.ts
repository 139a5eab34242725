/** Redis access (Upstash REST). */
export { createRedis, type RedisConfig, type RedisOptions } from "./client";
