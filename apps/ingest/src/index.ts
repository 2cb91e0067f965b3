export * from './ingest-service';
export * from './router';
export * from './jobs/job-service';
export * from './uploads/upload-area';
export * from './versions/register-version';
export * from './versions/model-files';
export * from './datasets/register-dataset';
