-- API keys (P9, P10): how a key authenticates inside a request's one transaction.
-- Hand-written, safe to run again, like 0001. (Filled by the API keys work.)
SELECT 1;
