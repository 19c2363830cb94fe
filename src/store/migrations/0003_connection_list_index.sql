-- Every page that shows a user's connections lists them by id and counts them. The UNIQUE
-- (user_id, name) index found the rows but left a sort of each page to do; (user_id, id)
-- serves the list in order and the count from the index alone.
CREATE INDEX azure_blob_connections_by_user ON azure_blob_connections (user_id, id);
