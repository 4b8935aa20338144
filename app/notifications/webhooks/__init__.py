"""Webhooks: an event of the ledger posted to the subscribed receivers (a JSON receiver signed with
HMAC-SHA256, a 企业微信 or 钉钉 group robot), one delivery per event per subscription, by the job queue."""
