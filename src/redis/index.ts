/** Redis access (Upstash REST). */
export { afterResponseRedis, createRedis, type RedisConfig, type RedisOptions } from "./client";
