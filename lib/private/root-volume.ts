import { Size, aws_ec2 as ec2 } from 'aws-cdk-lib';

/**
 * An encrypted gp3 EBS volume for an image's root device. `BlockDeviceVolume.ebs` needs a size;
 * leaving it out here keeps the size of the image's root snapshot, so the mapping works for any
 * image without knowing its size.
 */
class RootVolume extends ec2.BlockDeviceVolume {
  constructor(size: Size | undefined) {
    super({
      encrypted: true,
      volumeType: ec2.EbsDeviceVolumeType.GP3,
      deleteOnTermination: true,
      volumeSize: size?.toGibibytes(),
    });
  }
}

/** An encrypted root volume, with the image's size unless a size is given. */
export function encryptedRootVolume(size?: Size): ec2.BlockDeviceVolume {
  return new RootVolume(size);
}
