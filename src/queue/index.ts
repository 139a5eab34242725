/** The job queue: message shapes, job and schedule declarations, sending. */
export {
  defineJob,
  defineSchedule,
  jobMessage,
  sendJobs,
  JOB_QUEUE,
  type Job,
  type JobDelivery,
  type JobMessage,
  type JobRun,
  type Schedule,
} from "./jobs";
