-- Face comparison (POST /face/compare) stores a reference photo beside the
-- selfie: a third file role.
ALTER TABLE verification_files DROP CONSTRAINT IF EXISTS verification_files_role_check;
ALTER TABLE verification_files ADD CONSTRAINT verification_files_role_check
    CHECK (role IN ('document', 'selfie', 'reference'));
